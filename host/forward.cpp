// The host as a router (Config::forward): IPv4 datagrams not addressed to us
// are forwarded between the interfaces as RFC 1812 asks. In order (RFC 1812
// 5.2.1): the header was validated by on_ipv4 (5.2.2); martians and
// broadcasts are not forwarded (5.3.4, 5.3.5, 5.3.7); the TTL is
// decremented, and one that reaches zero draws Time Exceeded (5.3.1); the
// route picks the interface and next hop (5.2.4.3); no route draws Network
// Unreachable (5.2.7.1); a datagram larger than the next link's MTU is
// fragmented, or draws Fragmentation Needed with that MTU when DF is set
// (5.2.6, RFC 1191 4); ARP resolves the next hop (5.2.3) and one that never
// answers draws Host Unreachable (5.2.7.1).
//
// Not done: ICMP Redirects are never sent (5.2.7.2 leaves them to routers
// that want them; a datagram that leaves by the interface it came in on is
// simply forwarded), IP options are passed on untouched (no Record Route or
// Source Route processing, 5.2.4.1), and directed broadcasts are never
// forwarded (RFC 2644's default). ICMP errors share the host's token bucket
// (RFC 1812 4.3.2.8) and quote the header and 8 bytes (RFC 792).
#include <cstring>
#include <sstream>

#include "base/addr.hpp"
#include "base/bytes.hpp"
#include "base/log.hpp"
#include "host/internal.hpp"
#include "ip/fragment.hpp"
#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"

namespace host {

namespace {

using What = ForwardEvent::What;

// RFC 1812 5.3.7 (martian addresses), 5.3.5 (broadcasts), 5.3.4 (link-layer
// broadcasts): why a datagram must not be forwarded, or null.
const char* not_forwardable(const ip::Ipv4Header& h, std::span<const ip::IfaceAddr> ifaces,
                            bool link_bcast) {
    // 5.3.4: "A router MUST NOT forward" a datagram that came as a
    // link-layer broadcast or multicast (unless IP multicast, not routed here).
    if (link_bcast) return "link-layer broadcast";
    // 5.3.5.1: the limited broadcast "MUST NOT be forwarded".
    if (base::is_limited_broadcast(h.dst)) return "limited broadcast";
    if (base::is_multicast(h.dst)) return "multicast (not routed)";
    // 5.3.7: destinations 0/8, 127/8 and class E are not forwarded.
    if (base::is_this_network(h.dst) || base::is_loopback(h.dst) || base::is_class_e(h.dst))
        return "martian destination";
    // 5.3.7: nor datagrams whose source names no single host.
    if (base::is_this_network(h.src) || base::is_loopback(h.src) || base::is_class_e(h.src) ||
        base::is_multicast(h.src))
        return "martian source";
    for (const auto& i : ifaces) {
        const auto bc = i.directed_broadcast();
        // 5.3.5.2 with RFC 2644: directed broadcasts are not forwarded by default.
        if (bc != 0 && h.dst == bc) return "directed broadcast";
        if (bc != 0 && h.src == bc) return "martian source";
        if (!i.loopback && i.addr.addr == h.src) return "source is our own address";
    }
    return nullptr;
}

// RFC 1624 3, eqn. 3: HC' = ~(~HC + ~m + m'), for the one 16-bit word that
// holds the TTL (and the protocol) after the TTL went down by one.
void decrement_ttl(base::MutBytes header) {
    const std::uint16_t old_word = base::get_u16(header.data() + 8);
    header[8] = static_cast<std::uint8_t>(header[8] - 1);
    const std::uint16_t new_word = base::get_u16(header.data() + 8);
    std::uint32_t sum = static_cast<std::uint16_t>(~base::get_u16(header.data() + 10));
    sum += static_cast<std::uint16_t>(~old_word);
    sum += new_word;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    base::put_u16(header.data() + 10, static_cast<std::uint16_t>(~sum));
}

}  // namespace

std::string describe(const ForwardEvent& e) {
    std::ostringstream o;
    const auto route = [&] { o << (e.in.empty() ? "?" : e.in) << " -> " << (e.out.empty() ? "?" : e.out); };
    switch (e.what) {
        case What::Forwarded:
            o << "forward ";
            route();
            o << " ttl " << unsigned{e.ttl} << ", " << e.length << " bytes";
            break;
        case What::Fragmented:
            o << "forward ";
            route();
            o << " ttl " << unsigned{e.ttl} << ", " << e.length << " bytes in fragments of MTU " << e.mtu;
            break;
        case What::TimeExceeded: o << "forward: TTL " << unsigned{e.ttl} << " runs out here, ICMP Time Exceeded"; break;
        case What::NoRoute: o << "forward: no route, ICMP Network Unreachable"; break;
        case What::FragNeeded:
            o << "forward: " << e.length << " bytes with DF > MTU " << e.mtu << " of " << e.out
              << ", ICMP Fragmentation Needed";
            break;
        case What::HostUnreachable: o << "forward: no ARP answer, ICMP Host Unreachable"; break;
        case What::NotForwarded: o << "forward: not forwarded (" << e.why << ")"; break;
    }
    return o.str();
}

bool Host::is_our_address(std::uint32_t a) const {
    for (const auto& i : addrs_)
        if (i.addr.addr == a) return true;
    return false;
}

void Host::forward(Interface& in, const ip::Ipv4View& v, base::Bytes packet, bool link_bcast,
                   Time now) {
    const auto& ih = v.header;
    packet = packet.first(ih.total_length);  // link padding cut off
    ForwardEvent ev{What::Forwarded, in.cfg.name, {}, ih.src, ih.dst, ih.ttl, ih.total_length, 0, {}};
    if (const char* why = not_forwardable(ih, addrs_, link_bcast); why || in.cfg.loopback) {
        ++counters_.forward_refused;
        ev.what = What::NotForwarded;
        ev.why = why ? why : "came in on the loopback";
        LOG(ip, debug) << "not forwarded: " << ip::addr_to_string(ih.src) << " -> "
                       << ip::addr_to_string(ih.dst) << " (" << ev.why << ")";
        tell(ev, now);
        return;
    }
    // RFC 1812 5.3.1: "decrement the TTL by one"; one that reaches zero
    // "MUST be discarded" with ICMP Time Exceeded, code 0 (in transit).
    if (ih.ttl <= 1) {
        ++counters_.forward_ttl_exceeded;
        ev.what = What::TimeExceeded;
        forward_error(in, v, packet, ev, ip::icmp_type::TimeExceeded, ip::time_exceeded::TtlInTransit, now);
        return;
    }
    const auto hop = routes_.lookup(ih.dst);
    if (!hop || ifaces_[static_cast<std::size_t>(hop->ifindex)]->cfg.loopback) {
        ++counters_.forward_no_route;
        ev.what = What::NoRoute;
        forward_error(in, v, packet, ev, ip::icmp_type::DestinationUnreachable, ip::unreachable::Net, now);
        return;
    }
    forward_out(in, v, packet, *hop, now);
}

void Host::forward_out(Interface& in, const ip::Ipv4View& v, base::Bytes packet,
                       const ip::NextHop& hop, Time now) {
    const auto& ih = v.header;
    Interface& out = *ifaces_[static_cast<std::size_t>(hop.ifindex)];
    const std::size_t mtu = out.ip_mtu();
    ForwardEvent ev{What::Forwarded, in.cfg.name, out.cfg.name, ih.src, ih.dst,
                    static_cast<std::uint8_t>(ih.ttl - 1), ih.total_length, mtu, {}};
    // RFC 1812 5.2.6 / RFC 1191 4: too big with DF: Fragmentation Needed,
    // carrying the next-hop MTU. Too big with options: we do not copy
    // options into fragments (ip/fragment), so it is dropped, counted.
    if (ih.total_length > mtu && (ih.df || ih.ihl != 5)) {
        if (ih.df) {
            ++counters_.forward_frag_needed;
            ev.what = What::FragNeeded;
            ev.ttl = ih.ttl;
            forward_error(in, v, packet, ev, ip::icmp_type::DestinationUnreachable,
                          ip::unreachable::FragmentationNeeded, now);
        } else {
            ++counters_.send_errors;
        }
        return;
    }
    // Our own copy: the received frame is the device's (or, in the sims,
    // shared with every other host on the segment), never written to.
    std::memcpy(fwd_.data() + kHeadroom, packet.data(), packet.size());
    base::MutBytes copy(fwd_.data() + kHeadroom, ih.total_length);
    decrement_ttl(copy);
    ++counters_.forwarded;
    if (ih.total_length > mtu) {
        ++counters_.forward_fragmented;
        ev.what = What::Fragmented;
    }
    LOG(ip, trace) << describe(ev) << ": " << ip::addr_to_string(ih.src) << " -> "
                   << ip::addr_to_string(ih.dst);
    tell(ev, now);
    send_on(out, {hop.ifindex, hop.next_hop, false}, copy, mtu, now);
}

// RFC 1812 4.3.2.4: an ICMP error "MUST be one of the IP addresses
// associated with the physical interface over which the ICMP message is
// transmitted": ours toward the datagram's source (Linux's default too; in
// a plain topology, the interface the datagram came in on).
void Host::forward_error(Interface& in, const ip::Ipv4View& v, base::Bytes packet, ForwardEvent ev,
                         std::uint8_t type, std::uint8_t code, Time now) {
    const auto from = ip::source_for(routes_, addrs_, v.header.src);
    LOG(ip, debug) << describe(ev) << ": " << ip::addr_to_string(v.header.src) << " -> "
                   << ip::addr_to_string(v.header.dst);
    tell(ev, now);
    if (!from) return;  // no way back to the source either
    const std::uint16_t mtu = type == ip::icmp_type::DestinationUnreachable &&
                                      code == ip::unreachable::FragmentationNeeded
                                  ? static_cast<std::uint16_t>(ev.mtu)
                                  : 0;
    send_icmp_error(&in, type, code, packet, false, now, *from, mtu);
}

void Host::forward_unresolved(const ip::Ipv4View& v, base::Bytes packet) {
    ++counters_.forward_host_unreachable;
    ForwardEvent ev{What::HostUnreachable, {}, {}, v.header.src, v.header.dst, v.header.ttl,
                    v.header.total_length, 0, {}};
    const auto from = ip::source_for(routes_, addrs_, v.header.src);
    tell(ev, now_);
    if (from)
        send_icmp_error(nullptr, ip::icmp_type::DestinationUnreachable, ip::unreachable::Host,
                        packet.first(v.header.total_length), false, now_, *from);
}

}  // namespace host
