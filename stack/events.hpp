// The event-driven API: code that runs on the loop thread itself, in the
// shape of lwIP's raw API and smoltcp's poll model. An application hands a
// function to Stack::run_on_loop(); there it opens listeners and sockets
// through a Loop and registers an Events object per socket. Whenever a
// socket's state changes (a connection to accept, bytes to read, room to
// write, the peer's FIN, closed or reset, a datagram), the loop calls that
// object's on_event() right after the host settles. Every Loop call is
// non-blocking and goes straight to the host: no post, no future, no thread.
//
//   struct Echo : stack::Events {
//       void on_event(stack::Loop& l, stack::SocketId id) override {
//           const base::SplitBytes in = l.recv_view(id);  // in place: no copy
//           const std::size_t n = base::copy_split(in, l.send_room(id, in.size()));
//           l.consume(id, l.commit(id, n));  // the one copy was ring to ring
//       }
//   };
//   st.run_on_loop([&](stack::Loop& l) { auto lid = l.listen(0, 7, 128, &acceptor); });
//
// A Loop and the ids it hands out are for the loop thread only; the blocking
// API (stack/stack.hpp) is for every other thread.
#pragma once
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "host/host.hpp"
#include "stack/stack.hpp"

namespace stack {

using host::SocketId;
using host::TcpStatus;

class Loop;

// An application's callbacks for one socket. The object must outlive its
// registration: unwatch (Loop::watch(id, nullptr)) or close the socket first.
class Events {
public:
    virtual ~Events() = default;
    // The socket `id` changed; read its status and act. Runs on the loop
    // thread; may call any Loop function, including for other sockets.
    virtual void on_event(Loop& loop, SocketId id) = 0;
};

class Loop {
public:
    explicit Loop(Core& c) : core_(c) {}
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    // ---- TCP ----
    // addr 0: every local address; `ev` hears of connections to accept.
    Result<SocketId> listen(std::uint32_t addr, std::uint16_t port, int backlog, Events* ev);
    // A connection whose handshake is done (id 0: none yet); Closed: no
    // such listener. `ev` (may be null) is registered for it.
    Result<host::Accepted> accept(SocketId listener, Events* ev);
    void close_listener(SocketId listener);
    // Registers (or with nullptr removes) the callbacks of a socket.
    void watch(SocketId id, Events* ev);
    // What status(id)->writable allowed, at most; returns the bytes taken.
    std::size_t send(SocketId id, base::Bytes data);
    // Up to buf.size() of status(id)->readable; 0 when nothing is there.
    std::size_t recv(SocketId id, base::MutBytes buf);
    // Zero-copy I/O, the TCP buffers in place (tcp::Connection's views).
    // recv_view(): every readable byte where it lies in the receive buffer,
    // one span or two where the ring wraps; consume(n) frees the first n
    // exactly as recv() would (the window update, its auto-tuning) and
    // returns how many. send_room(max): up to min(max, writable) bytes of
    // the send buffer to write into; commit(n) sends the first n of them as
    // send() would, and returns how many. A view is valid only until the
    // next call into the stack that moves its buffer (consume/recv for the
    // receive view, send_room/send/commit for the room) and never past the
    // return of the callback: the loop's next packet or timer may move it.
    // So within one on_event, an echo may hold recv_view() while it takes
    // send_room(), copies once across, commits, then consumes.
    base::SplitBytes recv_view(SocketId id) const;
    std::size_t consume(SocketId id, std::size_t n);
    base::SplitMutBytes send_room(SocketId id, std::size_t max);
    std::size_t commit(SocketId id, std::size_t n);
    std::optional<TcpStatus> status(SocketId id) const;
    void shutdown_write(SocketId id);
    // FIN after the queued data; reset (error TimedOut) if both FINs are not
    // acknowledged within `timeout`. The socket stays ours until release().
    void close(SocketId id, Millis timeout = Millis(30000));
    void abort(SocketId id);  // RST now (RFC 9293 3.10.5)
    // Done with `id`: it is unwatched, closes in the background and is freed.
    void release(SocketId id);

    // ---- datagram sockets (packet and tap mode) ----
    Result<SocketId> udp_open(std::uint32_t addr, std::uint16_t port, Events* ev);
    Err send_to(SocketId id, std::uint32_t addr, std::uint16_t port, base::Bytes data);
    std::optional<host::Datagram> recv_from(SocketId id);
    void dgram_close(SocketId id);

    // Once the stack is shutting down, every call fails or does nothing.
    bool stopping() const;

private:
    Core& core_;
};

}  // namespace stack
