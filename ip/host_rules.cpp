#include "ip/host_rules.hpp"

#include "base/addr.hpp"

namespace ip {

namespace {

bool is_broadcast_on(const IfaceAddr& i, std::uint32_t a) {
    const auto bc = i.directed_broadcast();
    return base::is_limited_broadcast(a) || (bc != 0 && a == bc);
}

bool is_ours(std::span<const IfaceAddr> ifaces, const IfaceAddr& rx, std::uint32_t dst) {
    // RFC 1122 3.2.1.3: 127/8 "MUST NOT appear outside a host".
    if (base::is_loopback(dst)) return rx.loopback;
    for (const auto& i : ifaces)
        if (!i.loopback && i.addr.addr == dst) return true;
    return false;
}

}  // namespace

InputDecision classify_input(const Ipv4Header& h, std::span<const IfaceAddr> ifaces, int rx) {
    const IfaceAddr& in = ifaces[static_cast<std::size_t>(rx)];
    // RFC 1122 3.2.1.3: a datagram whose source is a broadcast or multicast
    // address names no single host, and is discarded.
    if (base::is_multicast(h.src) || is_broadcast_on(in, h.src)) return {InputVerdict::BadSource, false};
    const bool bcast = is_broadcast_on(in, h.dst);
    if (!bcast && !is_ours(ifaces, in, h.dst)) return {InputVerdict::NotForUs, false};
    return {InputVerdict::Accept, bcast};
}

std::optional<Egress> choose_egress(const RouteTable& routes, std::span<const IfaceAddr> ifaces,
                                    std::uint32_t src, std::uint32_t dst) {
    for (std::size_t i = 0; i < ifaces.size(); ++i) {
        const auto bc = ifaces[i].directed_broadcast();
        if ((bc != 0 && dst == bc) || (base::is_limited_broadcast(dst) && ifaces[i].addr.addr == src))
            return Egress{static_cast<int>(i), dst, true};
    }
    const auto hop = routes.lookup(dst);
    if (!hop) return std::nullopt;
    return Egress{hop->ifindex, hop->next_hop, false};
}

std::optional<std::uint32_t> source_for(const RouteTable& routes, std::span<const IfaceAddr> ifaces,
                                        std::uint32_t dst) {
    const auto hop = routes.lookup(dst);
    if (!hop) return std::nullopt;
    return ifaces[static_cast<std::size_t>(hop->ifindex)].addr.addr;
}

}  // namespace ip
