// A byte ring of bounded capacity: the send buffer (bytes from SND.UNA on)
// and the receive buffer (bytes from the application's read point on,
// including out-of-order data written ahead of RCV.NXT). capacity() is the
// configured maximum, what the windows are computed from; the memory behind
// it is allocated at the first write (a half-open or idle connection holds
// none: RFC 4987 3.1's point that a connection should be cheap until it is
// used), doubled from kInitial as the data needs it, never zero-filled, and
// given back by release_if_idle() once empty and unused. No allocation per segment once a
// connection's traffic has reached its size. Bytes are handed out as at
// most two spans.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "base/bytes.hpp"

namespace tcp {

class RingBuffer {
public:
    static constexpr std::size_t kInitial = 4096;

    explicit RingBuffer(std::size_t capacity) : cap_(capacity) {}

    bool allocated() const { return buf_ != nullptr; }
    std::size_t allocated_bytes() const { return phys_; }

    std::size_t capacity() const { return cap_; }
    std::size_t size() const { return len_; }  // bytes held from the read point
    std::size_t free() const { return cap_ - len_; }
    bool empty() const { return len_ == 0; }

    // Appends what fits; returns how much.
    std::size_t push(base::Bytes data) {
        const std::size_t n = std::min(data.size(), free());
        write_at(len_, data.first(n));
        len_ += n;
        return n;
    }

    // Writes `data` at `offset` from the read point without changing size();
    // used for out-of-order data. The caller guarantees offset+size <= capacity.
    void write_at(std::size_t offset, base::Bytes data) {
        if (data.empty()) return;  // memcpy from an empty span's null pointer is UB
        reserve(offset + data.size());
        written_ = true;
        std::size_t pos = (head_ + offset) % phys_;
        std::size_t first = std::min(data.size(), phys_ - pos);
        std::memcpy(buf_.get() + pos, data.data(), first);
        std::memcpy(buf_.get(), data.data() + first, data.size() - first);
    }

    // Makes `n` bytes already written ahead (by write_at, or into room())
    // part of size().
    void commit(std::size_t n) { len_ = std::min(cap_, len_ + n); }

    // Up to `len` bytes starting `offset` from the read point, as two spans.
    std::pair<base::Bytes, base::Bytes> peek(std::size_t offset, std::size_t len) const {
        if (offset >= len_) return {};
        len = std::min(len, len_ - offset);
        std::size_t pos = (head_ + offset) % phys_;
        std::size_t first = std::min(len, phys_ - pos);
        return {base::Bytes(buf_.get() + pos, first), base::Bytes(buf_.get(), len - first)};
    }

    // Every byte held from the read point, in place (zero-copy reading):
    // valid until the next write, consume or release_if_idle().
    base::SplitBytes view() const {
        auto [a, b] = peek(0, len_);
        return {a, b};
    }

    // Up to `max` bytes of free room right after size(), in place, for the
    // caller to write into and then commit() (zero-copy writing); grows the
    // memory as push() would. Only for a ring with nothing written ahead of
    // size() (the send buffer): the room overlays what is there. Valid until
    // the next write, consume or release_if_idle().
    base::SplitMutBytes room(std::size_t max) {
        const std::size_t n = std::min(max, free());
        if (n == 0) return {};
        reserve(len_ + n);
        written_ = true;
        const std::size_t pos = (head_ + len_) % phys_;
        const std::size_t first = std::min(n, phys_ - pos);
        return {base::MutBytes(buf_.get() + pos, first), base::MutBytes(buf_.get(), n - first)};
    }

    // Copies up to out.size() bytes from the read point and consumes them.
    std::size_t read(base::MutBytes out) {
        auto [a, b] = peek(0, out.size());
        if (a.empty()) return 0;
        std::memcpy(out.data(), a.data(), a.size());
        if (!b.empty()) std::memcpy(out.data() + a.size(), b.data(), b.size());
        consume(a.size() + b.size());
        return a.size() + b.size();
    }

    void consume(std::size_t n) {
        n = std::min(n, len_);
        if (n == 0) return;
        head_ = (head_ + n) % phys_;
        len_ -= n;
    }

    // Gives the memory back if empty() and nothing was written since the
    // last call (so a busy connection keeps its memory). The caller knows
    // that nothing written ahead is still wanted (out-of-order data).
    void release_if_idle() {
        if (std::exchange(written_, false) || len_ != 0) return;
        buf_.reset();
        phys_ = 0;
        head_ = 0;
    }

private:
    // Room for `need` bytes from the read point: doubles the memory (up to
    // capacity()) and moves what it holds, read point first, to the front.
    void reserve(std::size_t need) {
        if (need <= phys_) return;
        std::size_t n = std::max(phys_, std::min(kInitial, cap_));
        while (n < need) n = std::min(n * 2, cap_);
        auto next = std::make_unique_for_overwrite<std::uint8_t[]>(n);
        if (phys_) {
            // Every byte from the read point on, written or not: out-of-order
            // data ahead of size() must keep its offset.
            const std::size_t first = phys_ - head_;
            std::memcpy(next.get(), buf_.get() + head_, first);
            std::memcpy(next.get() + first, buf_.get(), head_);
        }
        buf_ = std::move(next);
        phys_ = n;
        head_ = 0;
    }

    std::unique_ptr<std::uint8_t[]> buf_;
    std::size_t cap_;
    std::size_t phys_ = 0;  // bytes allocated (0: none)
    std::size_t head_ = 0;
    std::size_t len_ = 0;
    bool written_ = false;  // since the last release_if_idle()
};

}  // namespace tcp
