// The blocking API's send buffer on the application's side (write-behind):
// Socket::send() copies its bytes here and returns, as a kernel socket's
// write() returns once its bytes are in the socket buffer. The loop takes
// them into the connection's send ring as the ring has room
// (Core::serve_tcp), so a sender costs the loop one posted task when the
// outbox goes from empty to not empty, not a round trip per call; the
// application waits only while the outbox is full, and is woken only if
// it waits. An error (the connection failed, the stack stopped) sticks and
// is what the next call returns; bytes still here are then dropped, as a
// reset drops a kernel socket's unsent bytes.
#pragma once
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"

namespace stack {

struct Outbox {
    static constexpr std::size_t kCapacity = 256 * 1024;  // as the TCP send buffer

    std::mutex mu;
    std::condition_variable cv;  // room made, emptied, or failed
    std::vector<std::uint8_t> buf;
    std::size_t head = 0;        // bytes of buf the loop has taken
    bool posted = false;         // the loop will look again without being asked
    int waiters = 0;             // application threads in cv.wait
    base::Err err = base::Err::None;

    // Under mu.
    std::size_t staged() const { return buf.size() - head; }
    // An application thread waits (counted, so the loop knows to wake it)
    // until `ready` or an error, or `until`; false when the time ran out.
    template <class Ready>
    bool wait(std::unique_lock<std::mutex>& lk, std::chrono::steady_clock::time_point until, Ready ready) {
        ++waiters;
        const bool done = cv.wait_until(lk, until, [&] { return err != base::Err::None || ready(); });
        --waiters;
        return done;
    }
    base::Bytes pending() const { return {buf.data() + head, staged()}; }
    // The loop took n bytes: drop them, and wake a waiter if there is one.
    void taken(std::size_t n) {
        head += n;
        if (head == buf.size()) {
            buf.clear();
            head = 0;
        }
        if (n > 0 && waiters > 0) cv.notify_all();
    }
    // The application's bytes, as many as fit; how many.
    std::size_t put(base::Bytes data) {
        if (head > 0 && head >= buf.size() / 2) {  // keep the front compact
            buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(head));
            head = 0;
        }
        const std::size_t n = std::min(data.size(), kCapacity - staged());
        buf.insert(buf.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }
    void fail(base::Err e) {
        if (err == base::Err::None) err = e;
        buf.clear();
        head = 0;
        posted = false;
        cv.notify_all();
    }
};

}  // namespace stack
