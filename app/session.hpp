// A service's view of one TCP connection, with no I/O of its own: the server
// feeds it what the peer sent and pulls what to send back (sans-IO, like
// host::Host and tcp::Connection). Echo, discard, daytime and HTTP are
// Sessions; the server's loop-thread code drives every one of them the same
// way, so a service never blocks and never owns a thread.
#pragma once
#include <cstddef>

#include "base/bytes.hpp"

namespace app {

class Session {
public:
    virtual ~Session() = default;
    // The peer sent `in` (never empty).
    virtual void feed(base::Bytes in) = 0;
    // The peer half-closed (its FIN arrived); no more feed() follows.
    virtual void peer_closed() {}
    // Copies up to out.size() bytes of what to send next into `out` and
    // returns how many (0: nothing to send now).
    virtual std::size_t produce(base::MutBytes out) = 0;
    // Once everything produce() gave has been sent, our side closes (FIN).
    virtual bool finished() const = 0;
    // Back-pressure: false while the session holds so much unsent output
    // that the server should stop reading from the peer for now.
    virtual bool wants_input() const { return true; }
};

}  // namespace app
