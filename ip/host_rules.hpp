// The IPv4 layer of a host (not a router), as pure functions of the
// datagram and the host's interfaces: which received datagrams are ours to
// take (RFC 1122 3.2.1.3, 3.3.4.2, 3.3.6), and which interface and next hop a
// datagram we send leaves by (RFC 1122 3.3.1, 3.3.6). The host object feeds
// them; they read no clock and send nothing.
#pragma once
#include <cstdint>
#include <optional>
#include <span>

#include "ip/ipv4.hpp"
#include "ip/route.hpp"

namespace ip {

// One interface as the IPv4 layer sees it; `index` is the route's ifindex.
struct IfaceAddr {
    InterfaceAddress addr;
    bool loopback = false;
    // RFC 919/922 directed broadcast of the network; 0 if none.
    std::uint32_t directed_broadcast() const { return addr.broadcast().value_or(0); }
};

enum class InputVerdict : std::uint8_t {
    Accept,     // to us: reassemble if a fragment, then hand to its protocol
    BadSource,  // RFC 1122 3.2.1.3: the source names no single host
    NotForUs,   // RFC 1122 3.3.4.2: a host that is not a router discards it
};
struct InputDecision {
    InputVerdict verdict = InputVerdict::NotForUs;
    bool broadcast = false;  // to a broadcast address of ours (RFC 1122 3.3.6)
};

// A datagram that arrived on interface `rx` of a host with `ifaces` (the
// weak host model of RFC 1122 3.3.4.2: any of our unicast addresses is ours
// on any interface; 127/8 only on the loopback, RFC 1122 3.2.1.3).
InputDecision classify_input(const Ipv4Header& h, std::span<const IfaceAddr> ifaces, int rx);

// Where a datagram we originate goes: out of `ifindex`, to the neighbour
// `next_hop` (the destination, a gateway, or a broadcast address).
struct Egress {
    int ifindex = 0;
    std::uint32_t next_hop = 0;
    bool link_broadcast = false;  // RFC 1122 3.3.6: to the link's broadcast address
};
// RFC 1122 3.3.6: a broadcast leaves by the interface whose network it names
// (255.255.255.255 by the one that holds `src`); anything else by the route
// (3.3.1). nullopt: no route ("network unreachable").
std::optional<Egress> choose_egress(const RouteTable& routes, std::span<const IfaceAddr> ifaces,
                                    std::uint32_t src, std::uint32_t dst);

// RFC 1122 3.3.4.3: our address toward dst is the one of the interface the
// route leaves by. nullopt: no route.
std::optional<std::uint32_t> source_for(const RouteTable& routes, std::span<const IfaceAddr> ifaces,
                                        std::uint32_t dst);

}  // namespace ip
