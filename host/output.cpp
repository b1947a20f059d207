// Datagrams and frames out. Every packet is built once, in a buffer with
// room in front for the link header: the IPv4 header (and the TCP segment
// after it) is written at kHeadroom, the route (RFC 1122 3.3.1) picks the
// interface and next hop from the destination we already know, a datagram
// larger than the link MTU is fragmented (RFC 791 3.2), ARP resolves the
// next hop (RFC 826, RFC 1122 2.3.2), and the Ethernet header (RFC 894) is
// written in place in front of the packet. Raw mode sends the bare packet
// on interface 0: the kernel routes and resolves there.
#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "host/internal.hpp"
#include "ip/fragment.hpp"
#include "ip/icmp_responder.hpp"
#include "ip/ipv4.hpp"
#include "link/gso.hpp"
#include "link/gso_checksum.hpp"
#include "tcp/segment_dump.hpp"

namespace host {

namespace {

// The packet's buffer has kHeadroom writable bytes in front of it.
base::MutBytes with_headroom(base::Bytes packet) {
    auto* p = const_cast<std::uint8_t*>(packet.data()) - kHeadroom;
    return {p, packet.size() + kHeadroom};
}

}  // namespace

void Host::send_segment(const tcp::Tuple& t, const tcp::Header& h, base::Bytes p1, base::Bytes p2,
                        std::uint16_t gso_size) {
    const std::size_t tcp_len = tcp::kHeaderMin + h.options.wire_length() + p1.size() + p2.size();
    const std::size_t total = ip::kIpv4HeaderLen + tcp_len;
    if (total > 65535) {
        LOG(stack, error) << "segment of " << total << " bytes does not fit an IPv4 packet; dropped";
        ++counters_.send_errors;
        return;
    }
    ip::Ipv4Header ih;
    ih.total_length = static_cast<std::uint16_t>(total);
    ih.id = next_ip_id_++;  // RFC 6864: any value will do for an atomic datagram
    // RFC 1191: TCP segments are sized by MSS, never fragmented; a
    // super-segment too (as Linux's TSO), and each piece keeps DF.
    ih.df = true;
    ih.ttl = ip::kDefaultTtl;
    ih.protocol = ip::kProtoTcp;
    ih.src = t.local_ip;
    ih.dst = t.remote_ip;
    LOG(stack, trace) << tcp::describe("out", t.local_ip, t.remote_ip, h, p1.size() + p2.size());
    // A super-segment the device takes as it is: its payload is not copied.
    if (gso_size && send_segment_parts(ih, h, p1, p2, gso_size)) return;
    base::MutBytes out(tx_.data() + kHeadroom, total);
    ip::build_ipv4_header(out, ih);
    // A super-segment's checksum is left partial for the device that cuts
    // it (l2::Device::send_gso); send_on finishes it if it goes out whole.
    tcp::build(out.subspan(ip::kIpv4HeaderLen), h, t.local_ip, t.remote_ip, p1, p2,
               gso_size ? tcp::ChecksumMode::Partial : tcp::ChecksumMode::Whole);
    // To TCP a packet the device refused is a lost packet; it retransmits.
    send_datagram(t.local_ip, t.remote_ip, out, now_, gso_size);
}

int Host::send_datagram(std::uint32_t src, std::uint32_t dst, base::Bytes packet, Time now,
                        std::uint16_t gso_size) {
    if (ifaces_.empty()) return ENETUNREACH;
    if (cfg_.kernel_owns_addresses) {
        Interface& nif = *ifaces_.front();
        return send_on(nif, {0, dst, false}, packet, path_mtu(dst, nif.ip_mtu()), now, gso_size);
    }
    const auto e = ip::choose_egress(routes_, addrs_, src, dst);
    if (!e) {
        ++counters_.no_route;
        LOG(ip, debug) << "no route to " << ip::addr_to_string(dst) << "; dropped";
        return ENETUNREACH;
    }
    Interface& nif = *ifaces_[static_cast<std::size_t>(e->ifindex)];
    // RFC 1191: our own datagrams are sized (fragmented) to the path MTU.
    return send_on(nif, *e, packet, e->link_broadcast ? nif.ip_mtu() : path_mtu(dst, nif.ip_mtu()),
                   now, gso_size);
}

int Host::send_on(Interface& nif, const ip::Egress& e, base::Bytes packet, std::size_t mtu, Time now,
                  std::uint16_t gso_size) {
    if (gso_size) {
        // A TCP super-segment the device cuts into pieces (TSO); each piece
        // (headers + gso_size) fits the path MTU, as the MSS was sized by
        // it. Its checksum stays partial only on this way (the contract of
        // l2::Device::send_gso: longer than the link MTU).
        if (device_cuts(nif, e, packet.size())) return put(nif, e, packet, now, gso_size);
        // Raw mode, the route not (or no longer) known to be local: the raw
        // socket takes nothing longer than the route's MTU (raw(7)), so the
        // pieces are cut here, as the kernel's GSO cuts them; each is one
        // MSS, which the path MTU sized (RFC 9293 3.7.1).
        if (cfg_.kernel_owns_addresses) return put_pieces(nif, e, packet, now, gso_size);
        // Any other way it leaves as one packet, so RFC 9293 3.1's checksum
        // is finished here. The packet is the host's own (tx_), built above.
        const base::MutBytes own(const_cast<std::uint8_t*>(packet.data()), packet.size());
        l2::finish_tcp_checksum(own, l2::Framing::Ipv4);
        // Longer than the path MTU yet within the link's: one packet, as
        // before (the path answers with RFC 1191's Fragmentation Needed).
        if (packet.size() > mtu && packet.size() <= nif.ip_mtu() && !e.link_broadcast)
            return put(nif, e, packet, now);
    }
    if (packet.size() <= mtu) return put(nif, e, packet, now);
    ip::Fragmenter f(packet, mtu);
    if (f.error() != ip::FragmentError::None) {
        ++counters_.send_errors;
        LOG(ip, debug) << "datagram of " << packet.size() << " bytes does not fit MTU " << mtu
                       << " (" << ip::to_string(f.error()) << "); dropped";
        return EMSGSIZE;
    }
    int err = 0;
    base::MutBytes out(frag_.data() + kHeadroom, frag_.size() - kHeadroom);
    while (const std::size_t n = f.next(out)) {
        ++counters_.fragments_out;
        if (const int r = put(nif, e, out.first(n), now)) err = r;
    }
    return err;
}

int Host::put_pieces(Interface& nif, const ip::Egress& e, base::Bytes packet, Time now,
                     std::uint16_t gso_size) {
    // One pointer captured, so the std::function holds it without an
    // allocation.
    struct Out {
        Host* host;
        Interface* nif;
        const ip::Egress* e;
        Time now;
        int err = 0;
    } out{this, &nif, &e, now};
    const std::size_t n = l2::segment_tcp(packet, l2::Framing::Ipv4, gso_size, piece_, [o = &out](base::Bytes piece) {
        if (const int r = o->host->put(*o->nif, *o->e, piece, o->now)) o->err = r;
    });
    if (n == 0) {
        ++counters_.send_errors;
        LOG(stack, debug) << "a " << packet.size() << "-byte super-segment that does not parse; dropped";
        return EINVAL;
    }
    return out.err;
}

// One IPv4 packet onto the link: bare (raw, loopback), or framed for the
// next hop's MAC once ARP knows it.
int Host::put(Interface& nif, const ip::Egress& e, base::Bytes packet, Time now,
              std::uint16_t gso_size) {
    if (!nif.ethernet())
        return bare_sent(nif, packet.size(),
                         gso_size ? nif.sink->transmit_gso(packet, gso_size) : nif.sink->transmit(packet));
    // RFC 1122 3.3.6: a broadcast datagram goes to the link-layer broadcast.
    if (e.link_broadcast)
        return transmit_frame(nif, l2::kBroadcastMac, l2::ethertype::IPv4, with_headroom(packet),
                              packet.size());
    // RFC 1122 2.3.2.2: held (bounded) until the neighbour answers, so the
    // first ping or SYN is not lost.
    const auto r = nif.arp->resolve(e.next_hop, packet, now);
    if (r.how == l2::ArpCache::Sent::Dropped) {
        ++counters_.arp_dropped;
        return ENOBUFS;
    }
    if (r.how == l2::ArpCache::Sent::Queued) return 0;
    return transmit_frame(nif, r.mac, l2::ethertype::IPv4, with_headroom(packet), packet.size(),
                          gso_size);
}

// `frame` starts with kHeadroom bytes for the header, then the payload; the
// buffer has room after it for the padding.
int Host::transmit_frame(Interface& nif, const l2::MacAddr& dst, std::uint16_t type,
                         base::MutBytes frame, std::size_t payload_len, std::uint16_t gso_size) {
    const std::size_t len = l2::kEthHeaderLen + payload_len;
    l2::build_ethernet_header(frame, {dst, nif.cfg.mac, type});
    // IEEE 802.3: frames shorter than the minimum are padded with zeros.
    const std::size_t wire = std::max(len, l2::kEthMinFrame);
    std::fill(frame.data() + len, frame.data() + wire, 0);
    const base::Bytes f(frame.data(), wire);
    return frame_sent(nif, dst, type, payload_len,
                      gso_size ? nif.sink->transmit_gso(f, gso_size) : nif.sink->transmit(f));
}

int Host::bare_sent(Interface& nif, std::size_t len, int err) {
    if (err != 0) {
        ++counters_.send_errors;
        LOG(link, debug) << nif.cfg.name << ": send failed: " << std::strerror(err);
        return err;
    }
    ++counters_.packets_out;
    counters_.bytes_out += len;
    return 0;
}

int Host::frame_sent(Interface& nif, const l2::MacAddr& dst, std::uint16_t type,
                     std::size_t payload_len, int err) {
    if (err != 0) {
        ++counters_.send_errors;
        LOG(link, debug) << nif.cfg.name << ": send to " << dst.to_string()
                         << " failed: " << std::strerror(err);
        return err;
    }
    if (type == l2::ethertype::IPv4) {
        ++counters_.packets_out;
        counters_.bytes_out += payload_len;
    }
    return 0;
}

// ---- l2::ArpSink: what the ARP caches send ----

void Host::send_arp(const l2::MacAddr& eth_dst, const l2::ArpPacket& packet) {
    // ARP speaks for its own interface: its sender address is that interface's.
    for (auto& n : ifaces_) {
        if (!n->arp || n->cfg.addr.addr != packet.spa || n->cfg.mac != packet.sha) continue;
        base::MutBytes frame(arp_.data(), kHeadroom + l2::kArpLen);
        l2::build_arp(frame.subspan(kHeadroom), packet);
        transmit_frame(*n, eth_dst, l2::ethertype::ARP, frame, l2::kArpLen);
        return;
    }
}

void Host::send_ipv4(const l2::MacAddr& eth_dst, base::Bytes packet) {
    // A packet that waited for resolution: the queue kept a copy, so it is
    // framed in a buffer of ours. Sent from the interface whose route led
    // to this neighbour.
    if (packet.size() + kHeadroom + l2::kEthMinFrame > arp_.size()) return;
    const auto v = ip::parse_ipv4(packet, false);
    if (!v) return;
    const auto e = ip::choose_egress(routes_, addrs_, v->header.src, v->header.dst);
    if (!e) return;
    // A TCP super-segment (TSO) that waited lost its piece size: dropped,
    // and TCP sends its bytes again in MSS-sized segments.
    if (packet.size() > ifaces_[static_cast<std::size_t>(e->ifindex)]->ip_mtu()) {
        ++counters_.send_errors;
        return;
    }
    std::copy(packet.begin(), packet.end(), arp_.begin() + kHeadroom);
    transmit_frame(*ifaces_[static_cast<std::size_t>(e->ifindex)], eth_dst, l2::ethertype::IPv4,
                   {arp_.data(), kHeadroom + packet.size()}, packet.size());
}

// A packet waited for a neighbour that never answered. Ours: tell its
// sender (RFC 1122 2.3.2.2); one we forwarded: Host Unreachable to its
// source (RFC 1812 5.2.7.1).
void Host::unresolved(std::uint32_t, base::Bytes packet) {
    ++counters_.arp_unresolved;
    const auto v = ip::parse_ipv4(packet, false);
    if (!v) return;
    if (cfg_.forward && !is_our_address(v->header.src)) {
        forward_unresolved(*v, packet);
        return;
    }
    const auto r = ip::local_host_unreachable(*v);
    LOG(arp, info) << ip::addr_to_string(r.remote_ip) << " did not answer ARP: host unreachable";
    deliver_icmp_error(r, now_);
}

}  // namespace host
