// Which way a captured packet went, when the capture does not say: a pcap
// file holds no direction, and on the loopback every frame is both sent and
// received by this host. The Tracer numbers and draws a TCP connection from
// one side (its "local" side, on the left), so Sides makes the host that
// sent the first packet seen of a connection (usually its SYN: the client)
// the local one, and each later packet of that connection "-->" from it or
// "<--" to it. Anything but TCP is shown as sent, source on the left.
#pragma once
#include <cstdint>
#include <unordered_map>

#include "base/bytes.hpp"
#include "tcp/types.hpp"
#include "trace/trace.hpp"

namespace trace {

class Sides {
public:
    // `ethernet`: an Ethernet II frame, else a bare IPv4 packet.
    Dir dir_of(base::Bytes packet, bool ethernet);

private:
    static constexpr std::size_t kMaxConnections = 4096;  // then forgotten and begun again
    // Key: the connection's endpoints in a fixed order; value: its local side.
    std::unordered_map<tcp::Tuple, tcp::Tuple, tcp::TupleHash> local_;
};

}  // namespace trace
