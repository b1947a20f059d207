// The routing table of a host (RFC 1122 3.3.1): which interface a datagram
// leaves by, and which neighbour on that interface receives it (the
// destination itself when it is on a connected network, else a gateway).
//
//   RouteTable t;
//   t.add_connected(*parse_interface_address("10.0.0.1/24"), 0);
//   t.set_default_gateway(0x0a0000fe);          // 10.0.0.254, via interface 0
//   t.lookup(0x08080808) == NextHop{0, 0x0a0000fe}
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ip {

// The netmask of a prefix length: 24 -> 255.255.255.0 (host order).
constexpr std::uint32_t prefix_mask(std::uint8_t len) {
    return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
}

// An interface's address and the length of its network prefix, as in
// "10.0.0.1/24" (RFC 4632 3.1 notation).
struct InterfaceAddress {
    std::uint32_t addr = 0;
    std::uint8_t prefix_len = 32;

    std::uint32_t mask() const { return prefix_mask(prefix_len); }
    std::uint32_t network() const { return addr & mask(); }
    // RFC 919/922: the directed broadcast of the network (host part all
    // ones). A /31 (RFC 3021) or /32 has no host part to spare, so none.
    std::optional<std::uint32_t> broadcast() const {
        if (prefix_len > 30) return std::nullopt;
        return addr | ~mask();
    }
    bool operator==(const InterfaceAddress&) const = default;
};

// "10.0.0.1/24": a strict dotted quad, '/', a decimal length 0..32. A bare
// address without "/len" is a host route (/32).
std::optional<InterfaceAddress> parse_interface_address(std::string_view text);
std::string to_string(const InterfaceAddress& a);  // "10.0.0.1/24"

struct Route {
    std::uint32_t destination = 0;  // network part only (host bits zero)
    std::uint8_t prefix_len = 0;
    std::uint32_t gateway = 0;      // 0: the destination is on the link (connected)
    int ifindex = 0;
};

// Where a datagram goes: out of `ifindex`, to the link-layer neighbour
// `next_hop` (what ARP resolves).
struct NextHop {
    int ifindex = 0;
    std::uint32_t next_hop = 0;
    bool operator==(const NextHop&) const = default;
};

class RouteTable {
public:
    // A connected network: every address inside the prefix is a neighbour.
    void add_connected(const InterfaceAddress& a, int ifindex);
    // A route to `destination/prefix_len` through `gateway` on `ifindex`.
    // Host bits of destination are cleared.
    void add_route(std::uint32_t destination, std::uint8_t prefix_len, std::uint32_t gateway,
                   int ifindex);
    // 0.0.0.0/0 via gateway, on the interface whose connected network holds
    // the gateway (RFC 1122 3.3.1.1: a gateway must be on a connected
    // network). False, and nothing added, if no connected network holds it.
    bool set_default_gateway(std::uint32_t gateway);
    // destination/prefix_len via `gateway`, the same way (a static route).
    bool add_via(std::uint32_t destination, std::uint8_t prefix_len, std::uint32_t gateway);

    // RFC 1812 5.2.4.3 (and RFC 1122 3.3.1.1 for hosts): of the routes whose
    // prefix contains dst, the longest prefix wins; among equals, the first
    // added. nullopt: no route ("network unreachable" to the caller).
    std::optional<NextHop> lookup(std::uint32_t dst) const;

    const std::vector<Route>& routes() const { return routes_; }

private:
    const Route* best_match(std::uint32_t dst, bool connected_only) const;

    std::vector<Route> routes_;  // a host has a handful; a linear scan is clearest
};

}  // namespace ip
