// Packets out of a whole host (packet and tap mode): the route lookup
// (RFC 1122 3.3.1), fragmentation of our own datagrams larger than the link
// MTU (RFC 791 3.2), ARP resolution of the next hop (RFC 826, RFC 1122
// 2.3.2) and Ethernet framing (RFC 894). In raw mode the kernel does all of
// that, and the packet goes straight to the raw socket.
#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "ip/fragment.hpp"
#include "ip/ipv4.hpp"
#include "stack/core.hpp"

namespace stack {

int Core::send_ip(base::Bytes packet) {
    if (packet.size() < ip::kIpv4HeaderLen) return EINVAL;
    const std::uint32_t dst = base::get_u32(packet.data() + 16);
    if (kernel_owns_addresses) return send_on(*netifs_.front(), dst, packet);

    // A broadcast leaves by the interface whose network it names (or, for
    // 255.255.255.255, the one our source address is on).
    const std::uint32_t src = base::get_u32(packet.data() + 12);
    for (auto& n : netifs_) {
        const auto bc = n->directed_broadcast();
        if ((bc != 0 && dst == bc) || (dst == 0xffffffffu && n->addr.addr == src))
            return send_on(*n, dst, packet);
    }
    const auto hop = routes_.lookup(dst);
    if (!hop) {
        ++counters_.no_route;
        LOG(ip, debug) << "no route to " << ip::addr_to_string(dst) << "; dropped";
        return ENETUNREACH;
    }
    return send_on(*netifs_[static_cast<std::size_t>(hop->ifindex)], hop->next_hop, packet);
}

namespace {

// One IPv4 packet onto the link: bare (raw, loopback), or framed for the
// next hop's MAC once ARP knows it.
int put(Core& core, Netif& nif, std::uint32_t next_hop, base::Bytes packet, Counters& c,
        tcp::Time now) {
    if (!nif.ethernet()) {
        if (const int err = nif.dev->send(packet); err != 0) {
            ++c.send_errors;
            LOG(link, debug) << nif.dev->name() << ": send failed: " << std::strerror(err);
            return err;
        }
        ++c.packets_out;
        c.bytes_out += packet.size();
        return 0;
    }
    // RFC 1122 3.3.6: a broadcast datagram goes to the link-layer broadcast.
    const auto bc = nif.directed_broadcast();
    if (next_hop == 0xffffffffu || (bc != 0 && next_hop == bc)) {
        core.send_frame(nif, l2::kBroadcastMac, l2::ethertype::IPv4, packet);
        return 0;
    }
    // RFC 1122 2.3.2.2: held (bounded) until the neighbour answers, so the
    // first ping or SYN is not lost.
    if (nif.arp->send(next_hop, packet, now) == l2::ArpCache::Sent::Dropped) {
        ++c.arp_dropped;
        return ENOBUFS;
    }
    return 0;
}

}  // namespace

int Core::send_on(Netif& nif, std::uint32_t next_hop, base::Bytes packet) {
    const std::size_t mtu = nif.ip_mtu();
    if (packet.size() <= mtu) return put(*this, nif, next_hop, packet, counters_, loop.now());
    ip::Fragmenter f(packet, mtu);
    if (f.error() != ip::FragmentError::None) {
        ++counters_.send_errors;
        LOG(ip, debug) << "datagram of " << packet.size() << " bytes does not fit MTU " << mtu
                       << " (" << ip::to_string(f.error()) << "); dropped";
        return EMSGSIZE;
    }
    int err = 0;
    while (const std::size_t n = f.next(frag_buf_)) {
        ++counters_.fragments_out;
        if (const int e = put(*this, nif, next_hop, {frag_buf_.data(), n}, counters_, loop.now()))
            err = e;
    }
    return err;
}

void Core::send_frame(Netif& nif, const l2::MacAddr& dst, std::uint16_t type,
                      base::Bytes payload) {
    const std::size_t len = l2::kEthHeaderLen + payload.size();
    // IEEE 802.3: frames shorter than the minimum are padded with zeros.
    const std::size_t wire = std::max(len, l2::kEthMinFrame);
    if (wire > frame_buf_.size()) return;
    base::MutBytes out(frame_buf_.data(), wire);
    l2::build_ethernet_header(out, {dst, nif.mac, type});
    std::copy(payload.begin(), payload.end(), out.begin() + l2::kEthHeaderLen);
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(len), out.end(), 0);
    if (const int err = nif.dev->send(out); err != 0) {
        ++counters_.send_errors;
        LOG(link, debug) << nif.dev->name() << ": send to " << dst.to_string()
                         << " failed: " << std::strerror(err);
        return;
    }
    if (type == l2::ethertype::IPv4) {
        ++counters_.packets_out;
        counters_.bytes_out += payload.size();
    }
}

// A packet of ours waited for a neighbour that never answered. A host does
// not forward, so it was ours: tell its sender as a local Host Unreachable
// (RFC 1122 2.3.2.2). Unlike one from the wire it cannot be forged, so it
// is hard: a connect fails with "no route to host", as on Linux.
void Core::arp_unresolved(base::Bytes packet) {
    ++counters_.arp_unresolved;
    auto v = ip::parse_ipv4(packet, false);
    if (!v || v->header.frag_offset != 0) return;  // only the first fragment names the ports
    ip::IcmpErrorReport r;
    r.type = ip::icmp_type::DestinationUnreachable;
    r.code = ip::unreachable::Host;
    r.reporter = v->header.src;
    r.protocol = v->header.protocol;
    r.local_ip = v->header.src;
    r.remote_ip = v->header.dst;
    r.quoted_payload = v->payload.first(std::min<std::size_t>(v->payload.size(), 8));
    if ((r.protocol == ip::kProtoTcp || r.protocol == ip::kProtoUdp) && v->payload.size() >= 4) {
        r.local_port = base::get_u16(v->payload.data());
        r.remote_port = base::get_u16(v->payload.data() + 2);
    }
    r.hard = true;
    LOG(arp, info) << ip::addr_to_string(r.remote_ip) << " did not answer ARP: host unreachable";
    deliver_icmp_error(r);
}

Counters Core::counters() const {
    Counters c = counters_;
    const auto& r = reassembler_.counters();
    c.reassembly_dropped = r.no_memory + r.too_long + r.malformed;
    c.reassembly_timed_out = r.timed_out;
    c.reassembly_bytes = reassembler_.bytes_in_use();
    return c;
}

std::optional<tcp::Time> Core::host_deadline() const {
    std::optional<tcp::Time> t = reassembler_.next_deadline();
    for (const auto& n : netifs_) {
        if (!n->arp) continue;
        if (auto d = n->arp->next_deadline(); d && (!t || *d < *t)) t = d;
    }
    return t;
}

void Core::host_timers(tcp::Time now) {
    if (auto d = reassembler_.next_deadline(); d && *d <= now) reassembler_.on_timer(now);
    for (auto& n : netifs_)
        if (n->arp)
            if (auto d = n->arp->next_deadline(); d && *d <= now) n->arp->on_timer(now);
}

// ---- ArpPort ----

void ArpPort::send_arp(const l2::MacAddr& eth_dst, const l2::ArpPacket& packet) {
    std::uint8_t buf[l2::kArpLen];
    l2::build_arp(buf, packet);
    core_.send_frame(core_.netif(ifindex_), eth_dst, l2::ethertype::ARP, buf);
}

void ArpPort::send_ipv4(const l2::MacAddr& eth_dst, base::Bytes packet) {
    core_.send_frame(core_.netif(ifindex_), eth_dst, l2::ethertype::IPv4, packet);
}

void ArpPort::unresolved(std::uint32_t, base::Bytes packet) { core_.arp_unresolved(packet); }

}  // namespace stack
