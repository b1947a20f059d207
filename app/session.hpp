// A service's view of one TCP connection, with no I/O of its own: the server
// feeds it what the peer sent and pulls what to send back (sans-IO, like
// host::Host and tcp::Connection). Echo, discard, daytime and HTTP are
// Sessions; the server's loop-thread code drives every one of them the same
// way, so a service never blocks and never owns a thread.
//
// The bytes stay in TCP's buffers where they can: take() sees what the peer
// sent in place in the receive buffer (discard frees it unread, echo copies
// it once, straight into the send buffer), and produce() writes into the
// send buffer in place.
#pragma once
#include <cstddef>
#include <initializer_list>

#include "base/bytes.hpp"

namespace app {

// Room in the connection's send buffer, for take(); valid during that call.
class Output {
public:
    virtual ~Output() = default;
    // Up to `max` bytes (fewer when the send buffer is fuller) to write into,
    // in place: one span, two where the buffer's ring wraps.
    virtual base::SplitMutBytes room(std::size_t max) = 0;
    // The first `n` bytes of the last room() are to be sent; returns how
    // many were queued (all of them, unless the connection failed).
    virtual std::size_t commit(std::size_t n) = 0;
};

class Session {
public:
    virtual ~Session() = default;
    // The peer sent `in` (never empty).
    virtual void feed(base::Bytes in) = 0;
    // What the peer sent, in place in the receive buffer (valid during the
    // call); returns how many of its first bytes the session is done with:
    // they are freed, and the rest waits in TCP's receive window for the
    // next call (back-pressure without a buffer of our own). `out` is the
    // send buffer, for a session that answers at once. The default feed()s
    // the first span, and the second while the session wants_input().
    virtual std::size_t take(base::SplitBytes in, Output& out) {
        (void)out;
        std::size_t n = 0;
        for (const base::Bytes part : {in.first, in.second}) {
            if (part.empty() || (n > 0 && !wants_input())) break;
            feed(part);
            n += part.size();
        }
        return n;
    }
    // The peer half-closed (its FIN arrived); no more feed() follows.
    virtual void peer_closed() {}
    // Copies up to out.size() bytes of what to send next into `out` and
    // returns how many (0: nothing to send now).
    virtual std::size_t produce(base::MutBytes out) = 0;
    // False while produce() would give nothing: the server then reserves no
    // room in the send buffer for it (an idle connection holds no memory).
    virtual bool has_output() const { return true; }
    // Once everything produce() gave has been sent, our side closes (FIN).
    virtual bool finished() const = 0;
    // Back-pressure: false while the session holds so much unsent output
    // that the server should stop reading from the peer for now.
    virtual bool wants_input() const { return true; }
};

}  // namespace app
