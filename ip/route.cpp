#include "ip/route.hpp"

#include "ip/ipv4.hpp"

namespace ip {

std::optional<InterfaceAddress> parse_interface_address(std::string_view text) {
    const auto slash = text.find('/');
    const auto addr = parse_addr(text.substr(0, slash));
    if (!addr) return std::nullopt;
    if (slash == std::string_view::npos) return InterfaceAddress{*addr, 32};
    const std::string_view len = text.substr(slash + 1);
    // One or two digits, no sign, no leading zero: "024" is rejected like
    // the dotted quad's "010" is.
    if (len.empty() || len.size() > 2 || (len.size() == 2 && len[0] == '0')) return std::nullopt;
    unsigned value = 0;
    for (char c : len) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 32) return std::nullopt;
    return InterfaceAddress{*addr, static_cast<std::uint8_t>(value)};
}

std::string to_string(const InterfaceAddress& a) {
    return addr_to_string(a.addr) + "/" + std::to_string(a.prefix_len);
}

void RouteTable::add_connected(const InterfaceAddress& a, int ifindex) {
    add_route(a.addr, a.prefix_len, 0, ifindex);
}

void RouteTable::add_route(std::uint32_t destination, std::uint8_t prefix_len,
                           std::uint32_t gateway, int ifindex) {
    if (prefix_len > 32) prefix_len = 32;
    routes_.push_back(Route{destination & prefix_mask(prefix_len), prefix_len, gateway, ifindex});
}

bool RouteTable::set_default_gateway(std::uint32_t gateway) { return add_via(0, 0, gateway); }

bool RouteTable::add_via(std::uint32_t destination, std::uint8_t prefix_len, std::uint32_t gateway) {
    // Only a connected route may carry the gateway: reaching it through yet
    // another gateway would need a recursive lookup a host does not do.
    const Route* via = best_match(gateway, /*connected_only=*/true);
    if (!via) return false;
    add_route(destination, prefix_len, gateway, via->ifindex);
    return true;
}

std::optional<NextHop> RouteTable::lookup(std::uint32_t dst) const {
    const Route* r = best_match(dst, /*connected_only=*/false);
    if (!r) return std::nullopt;
    // Connected: the destination is itself the neighbour; else the gateway.
    return NextHop{r->ifindex, r->gateway == 0 ? dst : r->gateway};
}

const Route* RouteTable::best_match(std::uint32_t dst, bool connected_only) const {
    const Route* best = nullptr;
    for (const Route& r : routes_) {
        if (connected_only && r.gateway != 0) continue;
        if ((dst & prefix_mask(r.prefix_len)) != r.destination) continue;
        if (!best || r.prefix_len > best->prefix_len) best = &r;  // strictly longer: first wins ties
    }
    return best;
}

}  // namespace ip
