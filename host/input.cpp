// Frames and datagrams in: Ethernet and ARP, the IPv4 checks of a host
// (ip/host_rules), reassembly, and dispatch to ICMP (echo, errors in both
// directions), UDP, and TCP (tcp_input.cpp).
#include "base/log.hpp"
#include "host/internal.hpp"
#include "ip/icmp.hpp"
#include "ip/icmp_responder.hpp"
#include "ip/ipv4.hpp"
#include "ip/udp.hpp"
#include "link/arp.hpp"

namespace host {

void Host::on_frame(int ifindex, base::Bytes frame, bool trusted, Time now) {
    now_ = now;
    Interface& nif = *ifaces_[static_cast<std::size_t>(ifindex)];
    // RFC 894: a frame carries at most the link's MTU of data; a longer one
    // is not what the link delivered, unless the device passes the kernel's
    // super-packets (its GSO: one TCP segment to be cut, or merged by GRO).
    if (frame.size() > nif.cfg.mtu && !nif.cfg.gso) {
        ++counters_.malformed[static_cast<std::size_t>(base::ParseError::BadLength)];
        return;
    }
    if (!nif.ethernet()) {
        on_ipv4(nif, frame, trusted, false, now);
        return;
    }
    auto eth = l2::parse_ethernet(frame);
    if (!eth) {
        ++counters_.malformed[static_cast<std::size_t>(eth.error)];
        return;
    }
    const auto& h = eth->header;
    // What the NIC's filter would have let through: frames to our MAC, and
    // group (broadcast, multicast) frames.
    const bool group = h.dst.is_multicast();
    if ((!group && h.dst != nif.cfg.mac) || h.src == nif.cfg.mac) {
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
            nif.arp->on_arp(*a, now);
            return;
        }
        case l2::ethertype::IPv4:
            on_ipv4(nif, eth->payload, trusted, group, now);
            return;
        default:
            ++counters_.frames_not_ours;  // IPv6, LLDP...: not spoken here
            return;
    }
}

void Host::on_ipv4(Interface& nif, base::Bytes packet, bool trusted, bool link_bcast, Time now) {
    ++counters_.packets_in;
    counters_.bytes_in += packet.size();
    auto v = ip::parse_ipv4(packet, true);
    if (!v) {
        ++counters_.malformed[static_cast<std::size_t>(v.error)];
        LOG(ip, debug) << "dropped malformed IPv4 packet (" << base::to_string(v.error) << ", "
                       << packet.size() << " bytes)";
        return;
    }
    const auto& ih = v->header;
    if (cfg_.kernel_owns_addresses) {
        // Raw mode: the kernel has reassembled, routed and filtered already,
        // and hands us only TCP.
        if (ih.protocol == ip::kProtoIcmp && !ih.is_fragment()) {
            on_icmp(*v, false, now);  // the errors only: the kernel answers echoes
        } else if (ih.protocol != ip::kProtoTcp) {
            ++counters_.not_tcp;
        } else if (ih.is_fragment()) {
            ++counters_.fragments;
        } else {
            on_tcp(*v, trusted, now);
        }
        return;
    }
    const auto d = ip::classify_input(ih, addrs_, nif.index);
    if (d.verdict == ip::InputVerdict::BadSource) {
        ++counters_.bad_destination;
        return;
    }
    if (d.verdict == ip::InputVerdict::NotForUs) {
        if (cfg_.forward) {
            forward(nif, *v, packet, link_bcast, now);  // RFC 1812 5.2.1: not ours, so a router forwards it
            return;
        }
        ++counters_.not_for_us;
        LOG(ip, trace) << "not for us: " << ip::addr_to_string(ih.src) << " -> "
                       << ip::addr_to_string(ih.dst);
        return;
    }
    if (ih.is_fragment()) {
        // RFC 791 3.2 / RFC 815: held until the datagram is whole.
        auto whole = reassembler_.add(*v, now);
        if (!whole) return;
        ++counters_.reassembled;
        LOG(ip, debug) << "reassembled a datagram of " << whole->size() << " bytes from "
                       << ip::addr_to_string(ih.src);
        auto wv = ip::parse_ipv4(*whole, false);
        if (wv) dispatch(nif, *wv, *whole, trusted, link_bcast || d.broadcast, now);
        return;
    }
    dispatch(nif, *v, packet, trusted, link_bcast || d.broadcast, now);
}

void Host::dispatch(Interface& nif, const ip::Ipv4View& v, base::Bytes packet, bool trusted,
                    bool bcast, Time now) {
    switch (v.header.protocol) {
        case ip::kProtoTcp:
            if (bcast) {
                ++counters_.bad_destination;  // RFC 1122 4.2.3.10: TCP is unicast only
                return;
            }
            on_tcp(v, trusted, now);
            return;
        case ip::kProtoUdp:
            on_udp(nif, v, packet, trusted, bcast, now);
            return;
        case ip::kProtoIcmp:
            on_icmp(v, bcast, now);
            return;
        default:
            // RFC 1122 3.2.2.1: a host SHOULD send Protocol Unreachable.
            ++counters_.not_tcp;
            send_icmp_error(&nif, ip::icmp_type::DestinationUnreachable, ip::unreachable::Protocol,
                            packet, bcast, now);
            return;
    }
}

void Host::on_icmp(const ip::Ipv4View& v, bool bcast, Time now) {
    ++counters_.icmp_in;
    // ICMP checksums are always computed in software, never offloaded.
    auto icmp = ip::parse_icmp(v.payload);
    if (!icmp) {
        ++counters_.malformed[static_cast<std::size_t>(icmp.error)];
        LOG(icmp, debug) << "dropped ICMP from " << ip::addr_to_string(v.header.src) << " ("
                         << base::to_string(icmp.error) << ")";
        return;
    }
    const ip::IcmpMessage& m = icmp->message;
    LOG(icmp, debug) << "in " << ip::icmp_type_name(m.type) << " from "
                     << ip::addr_to_string(v.header.src) << " id " << m.id << " seq " << m.seq
                     << ", " << m.data.size() << " data bytes";
    switch (m.type) {
        case ip::icmp_type::Echo: {
            // RFC 1122 3.2.2.6: an echo to a broadcast address MAY be
            // silently discarded; Linux does (icmp_echo_ignore_broadcasts).
            // In raw mode the address is the kernel's, and so is the reply.
            if (bcast || cfg_.kernel_owns_addresses) return;
            base::MutBytes out(icmp_.data() + kHeadroom, icmp_.size() - kHeadroom);
            const std::size_t n = ip::build_echo_reply(out, v.header, m, v.header.dst, next_ip_id_++);
            if (n == 0) return;
            ++counters_.echo_replies;
            ++counters_.icmp_out;
            // Fragmented when larger than the MTU (ping -s 4000).
            send_datagram(v.header.dst, v.header.src, out.first(n), now);
            return;
        }
        case ip::icmp_type::EchoReply:
            if (Dgram* d = find_dgram(true, 0, m.id)) {
                Datagram it{v.header.src, m.seq, v.header.ttl, Err::None, {}};
                it.data.assign(m.data.begin(), m.data.end());
                deliver(*d, std::move(it));
            }
            return;
        default:
            if (auto r = ip::icmp_error_report(*icmp, v.header.src)) deliver_icmp_error(*r, now);
            return;
    }
}

// RFC 1122 4.1.3.3 (UDP) and 4.2.3.9 (TCP): an ICMP error reaches the
// connection or socket whose datagram it quotes.
void Host::deliver_icmp_error(const ip::IcmpErrorReport& r, Time now) {
    LOG(icmp, debug) << "error " << ip::icmp_code_name(r.type, r.code) << " from "
                     << ip::addr_to_string(r.reporter) << " about " << ip::addr_to_string(r.local_ip)
                     << ":" << r.local_port << " -> " << ip::addr_to_string(r.remote_ip) << ":"
                     << r.remote_port << (r.hard ? " (hard)" : " (soft)");
    const bool port_unreachable =
        r.type == ip::icmp_type::DestinationUnreachable && r.code == ip::unreachable::Port;
    const Err err = port_unreachable ? Err::Refused : Err::Unreachable;
    if (r.protocol == ip::kProtoTcp) {
        auto it = by_tuple_.find({r.local_ip, r.local_port, r.remote_ip, r.remote_port});
        if (it == by_tuple_.end()) return;
        ++counters_.icmp_errors_in;
        if (r.type == ip::icmp_type::DestinationUnreachable &&
            r.code == ip::unreachable::FragmentationNeeded) {
            packet_too_big(r, it->second, now);
            return;
        }
        Conn* e = find(it->second);
        e->conn->on_icmp_error(r.hard, now);
        settle(*e);
    } else if (r.protocol == ip::kProtoUdp) {
        if (Dgram* d = find_dgram(false, r.local_ip, r.local_port)) {
            ++counters_.icmp_errors_in;
            deliver(*d, {r.remote_ip, r.remote_port, 0, err, {}});
        }
    } else if (r.protocol == ip::kProtoIcmp && r.quotes_echo) {
        if (Dgram* d = find_dgram(true, 0, r.echo_id)) {
            ++counters_.icmp_errors_in;
            deliver(*d, {r.reporter, r.echo_seq, 0, err, {}});
        }
    }
}

// RFC 1191 / RFC 1122 4.2.3.11: "fragmentation needed" about one of our
// segments. The connection checks the quoted sequence number (RFC 5927
// 4.1); only then does the estimate for the destination drop, never below
// RFC 791's 68 bytes, for the RFC 1191 6.3 timeout.
void Host::packet_too_big(const ip::IcmpErrorReport& r, SocketId id, Time now) {
    Conn* e = find(id);
    // RFC 1191 7: a router that gives no MTU: the next plateau below the
    // datagram it could not forward.
    std::uint32_t mtu = r.next_hop_mtu ? r.next_hop_mtu : ip::plateau_below(r.quoted_length);
    mtu = std::max<std::uint32_t>(mtu, 68);
    if (!r.tcp_seq || !e->conn->on_packet_too_big(*r.tcp_seq, mtu, now)) {
        ++counters_.pmtu_ignored;
        settle(*e);
        return;
    }
    auto& p = pmtu_[r.remote_ip];
    if (p.mtu == 0 || mtu < p.mtu) {
        p.mtu = mtu;
        ++counters_.pmtu_lowered;
        LOG(ip, info) << "path MTU to " << ip::addr_to_string(r.remote_ip) << " is " << mtu
                      << " (fragmentation needed from " << ip::addr_to_string(r.reporter) << ")";
    }
    p.expires = now + cfg_.pmtu_timeout;
    settle(*e);
}

void Host::on_udp(Interface& nif, const ip::Ipv4View& v, base::Bytes packet, bool trusted,
                  bool bcast, Time now) {
    const auto& ih = v.header;
    auto u = ip::parse_udp(v.payload, ih.src, ih.dst, !trusted);
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
    Dgram* d = find_dgram(false, bcast ? 0 : ih.dst, h.dst_port);
    if (!d) {
        // RFC 1122 4.1.3.1: "If a datagram arrives addressed to a UDP port
        // for which there is no pending LISTEN call, UDP SHOULD send an ICMP
        // Port Unreachable message" (not for broadcasts: 3.2.2).
        ++counters_.udp_no_port;
        send_icmp_error(&nif, ip::icmp_type::DestinationUnreachable, ip::unreachable::Port, packet,
                        bcast, now);
        return;
    }
    Datagram it{ih.src, h.src_port, ih.ttl, Err::None, {}};
    it.data.assign(u->payload.begin(), u->payload.end());
    deliver(*d, std::move(it));
}

void Host::send_icmp_error(const Interface* nif, std::uint8_t type, std::uint8_t code,
                           base::Bytes offending, bool link_bcast, Time now, std::uint32_t from,
                           std::uint16_t next_hop_mtu) {
    ip::ReceivedOn how;
    how.directed_broadcast = nif ? addrs_[static_cast<std::size_t>(nif->index)].directed_broadcast() : 0;
    how.link_broadcast = link_bcast;
    how.loopback = nif && nif->cfg.loopback;
    if (const auto v = ip::icmp_error_verdict(offending, how); v != ip::IcmpErrorVerdict::Send) {
        ++counters_.icmp_errors_suppressed;
        LOG(icmp, debug) << "no " << ip::icmp_code_name(type, code) << ": RFC 1122 3.2.2 ("
                         << ip::to_string(v) << ")";
        return;
    }
    if (!icmp_errors_.take(now)) {
        ++counters_.icmp_errors_rate_limited;
        return;
    }
    auto off = ip::parse_ipv4(offending, false);
    if (!off) off = ip::parse_ipv4_quoted(offending);  // a quote of header + 8 bytes
    if (!off) return;
    // From the address the offending datagram was sent to (it was ours),
    // back to its source; a router's error comes from `from`.
    const std::uint32_t src = from ? from : off->header.dst, dst = off->header.src;
    base::MutBytes out(icmp_.data() + kHeadroom, icmp_.size() - kHeadroom);
    const std::size_t n =
        ip::build_icmp_error(out, type, code, offending, src, next_ip_id_++, next_hop_mtu);
    if (n == 0) return;
    ++counters_.icmp_errors_sent;
    ++counters_.icmp_out;
    LOG(icmp, debug) << "out " << ip::icmp_code_name(type, code) << " to " << ip::addr_to_string(dst);
    send_datagram(src, dst, out.first(n), now);
}

}  // namespace host
