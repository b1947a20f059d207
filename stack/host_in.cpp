// Packets in, for the stack as a whole host (packet and tap mode): Ethernet
// frames and ARP, which addresses are ours, ICMP (echo, errors in both
// directions) and UDP. TCP goes on to ingress.cpp's demux.
#include "base/log.hpp"
#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"
#include "ip/udp.hpp"
#include "link/arp.hpp"
#include "stack/core.hpp"

namespace stack {

void Core::handle_frame(Netif& nif, base::Bytes frame, bool checksum_trusted) {
    auto eth = l2::parse_ethernet(frame);
    if (!eth) {
        ++counters_.malformed[static_cast<std::size_t>(eth.error)];
        return;
    }
    const auto& h = eth->header;
    // What the NIC's filter would have let through: frames to our MAC, and
    // group (broadcast, multicast) frames.
    const bool group = h.dst.is_multicast();
    if ((!group && h.dst != nif.mac) || h.src == nif.mac) {
        ++counters_.frames_not_ours;
        return;
    }
    switch (h.type) {
        case l2::ethertype::ARP: {
            auto a = l2::parse_arp(eth->payload);
            if (!a) {
                ++counters_.malformed[static_cast<std::size_t>(a.error)];
                return;
            }
            ++counters_.arp_in;
            nif.arp->on_arp(*a, loop.now());
            return;
        }
        case l2::ethertype::IPv4:
            handle_packet(nif, eth->payload, checksum_trusted, group);
            return;
        default:
            ++counters_.frames_not_ours;  // IPv6, LLDP...: not spoken here
            return;
    }
}

bool Core::is_ours(const Netif& nif, std::uint32_t dst) const {
    // RFC 1122 3.2.1.3: 127/8 "MUST NOT appear outside a host".
    if ((dst >> 24) == 127) return nif.loopback;
    for (const auto& n : netifs_)
        if (n->addr.addr == dst && !n->loopback) return true;
    return false;
}

bool Core::is_broadcast(const Netif& nif, std::uint32_t a) const {
    const auto bc = nif.directed_broadcast();
    return a == 0xffffffffu || (bc != 0 && a == bc);
}

void Core::handle_icmp(const ip::Ipv4View& ipv, bool broadcast) {
    ++counters_.icmp_in;
    // ICMP checksums are always computed in software, never offloaded.
    auto icmp = ip::parse_icmp(ipv.payload);
    if (!icmp) {
        ++counters_.malformed[static_cast<std::size_t>(icmp.error)];
        LOG(icmp, debug) << "dropped ICMP from " << ip::addr_to_string(ipv.header.src) << " ("
                         << base::to_string(icmp.error) << ")";
        return;
    }
    const ip::IcmpMessage& m = icmp->message;
    LOG(icmp, debug) << "in " << ip::icmp_type_name(m.type) << " from "
                     << ip::addr_to_string(ipv.header.src) << " id " << m.id << " seq " << m.seq
                     << ", " << m.data.size() << " data bytes";
    switch (m.type) {
        case ip::icmp_type::Echo: {
            // RFC 1122 3.2.2.6: an echo to a broadcast address MAY be
            // silently discarded; Linux does (icmp_echo_ignore_broadcasts).
            if (broadcast) return;
            const std::size_t n =
                ip::build_echo_reply(icmp_buf_, ipv.header, m, ipv.header.dst, next_ip_id_++);
            if (n == 0) return;
            ++counters_.echo_replies;
            ++counters_.icmp_out;
            send_ip({icmp_buf_.data(), n});  // fragmented when larger than the MTU (ping -s 4000)
            return;
        }
        case ip::icmp_type::EchoReply:
            if (DgramEntry* d = find_dgram(DgramEntry::Kind::Ping, 0, m.id)) {
                DgramEntry::Item it;
                it.meta = {ipv.header.src, m.seq, m.data.size(), ipv.header.ttl};
                it.data.assign(m.data.begin(), m.data.end());
                deliver_dgram(*d, std::move(it));
            }
            return;
        default:
            if (auto r = ip::icmp_error_report(*icmp, ipv.header.src)) deliver_icmp_error(*r);
            return;
    }
}

// RFC 1122 4.1.3.3 (UDP) and 4.2.3.9 (TCP): an ICMP error reaches the
// connection or socket whose datagram it quotes.
void Core::deliver_icmp_error(const ip::IcmpErrorReport& r) {
    LOG(icmp, debug) << "error " << ip::icmp_code_name(r.type, r.code) << " from "
                     << ip::addr_to_string(r.reporter) << " about " << ip::addr_to_string(r.local_ip)
                     << ":" << r.local_port << " -> " << ip::addr_to_string(r.remote_ip) << ":"
                     << r.remote_port << (r.hard ? " (hard)" : " (soft)");
    const bool port_unreachable =
        r.type == ip::icmp_type::DestinationUnreachable && r.code == ip::unreachable::Port;
    switch (r.protocol) {
        case ip::kProtoTcp: {
            const tcp::Tuple t{r.local_ip, r.local_port, r.remote_ip, r.remote_port};
            auto it = by_tuple_.find(t);
            if (it == by_tuple_.end()) return;
            ++counters_.icmp_errors_in;
            ConnEntry* e = find(it->second);
            e->conn->on_icmp_error(r.hard, loop.now());
            settle(*e);
            return;
        }
        case ip::kProtoUdp:
            if (DgramEntry* d = find_dgram(DgramEntry::Kind::Udp, r.local_ip, r.local_port)) {
                ++counters_.icmp_errors_in;
                DgramEntry::Item it;
                it.meta = {r.remote_ip, r.remote_port, 0, 0};
                it.err = port_unreachable ? Err::Refused : Err::Unreachable;
                deliver_dgram(*d, std::move(it));
            }
            return;
        case ip::kProtoIcmp: {
            // The quote is our Echo: type, code, checksum, identifier, sequence.
            const auto q = r.quoted_payload;
            if (q.size() < 8 || q[0] != ip::icmp_type::Echo) return;
            if (DgramEntry* d = find_dgram(DgramEntry::Kind::Ping, 0, base::get_u16(q.data() + 4))) {
                ++counters_.icmp_errors_in;
                DgramEntry::Item it;
                it.meta = {r.reporter, base::get_u16(q.data() + 6), 0, 0};
                it.err = port_unreachable ? Err::Refused : Err::Unreachable;
                deliver_dgram(*d, std::move(it));
            }
            return;
        }
        default:
            return;
    }
}

void Core::handle_udp(Netif& nif, const ip::Ipv4View& ipv, base::Bytes packet,
                      bool checksum_trusted, bool broadcast) {
    const auto& ih = ipv.header;
    auto u = ip::parse_udp(ipv.payload, ih.src, ih.dst, !checksum_trusted);
    if (!u) {
        ++counters_.malformed[static_cast<std::size_t>(u.error)];
        LOG(udp, debug) << "dropped UDP from " << ip::addr_to_string(ih.src) << " ("
                        << base::to_string(u.error) << ")";
        return;
    }
    ++counters_.udp_in;
    const auto& h = u->header;
    LOG(udp, debug) << "in " << ip::addr_to_string(ih.src) << ":" << h.src_port << " -> "
                    << ip::addr_to_string(ih.dst) << ":" << h.dst_port << ", "
                    << u->payload.size() << " bytes";
    DgramEntry* d = find_dgram(DgramEntry::Kind::Udp, broadcast ? 0 : ih.dst, h.dst_port);
    if (!d) {
        // RFC 1122 4.1.3.1: "If a datagram arrives addressed to a UDP port
        // for which there is no pending LISTEN call, UDP SHOULD send an ICMP
        // Port Unreachable message" (not for broadcasts: 3.2.2).
        ++counters_.udp_no_port;
        send_icmp_error(&nif, ip::icmp_type::DestinationUnreachable, ip::unreachable::Port,
                        packet, broadcast);
        return;
    }
    DgramEntry::Item it;
    it.meta = {ih.src, h.src_port, u->payload.size(), ih.ttl};
    it.data.assign(u->payload.begin(), u->payload.end());
    deliver_dgram(*d, std::move(it));
}

void Core::send_icmp_error(const Netif* nif, std::uint8_t type, std::uint8_t code,
                           base::Bytes offending, bool link_broadcast) {
    ip::ReceivedOn how;
    how.directed_broadcast = nif ? nif->directed_broadcast() : 0;
    how.link_broadcast = link_broadcast;
    how.loopback = nif && nif->loopback;
    if (const auto v = ip::icmp_error_verdict(offending, how); v != ip::IcmpErrorVerdict::Send) {
        ++counters_.icmp_errors_suppressed;
        LOG(icmp, debug) << "no " << ip::icmp_code_name(type, code) << ": RFC 1122 3.2.2 ("
                         << ip::to_string(v) << ")";
        return;
    }
    // From the address the offending datagram was sent to: it was ours.
    const std::uint32_t source = base::get_u32(offending.data() + 16);
    const std::size_t n =
        ip::build_icmp_error(icmp_buf_, type, code, offending, source, next_ip_id_++);
    if (n == 0) return;
    ++counters_.icmp_errors_sent;
    ++counters_.icmp_out;
    LOG(icmp, debug) << "out " << ip::icmp_code_name(type, code) << " to "
                     << ip::addr_to_string(base::get_u32(offending.data() + 12));
    send_ip({icmp_buf_.data(), n});
}

}  // namespace stack
