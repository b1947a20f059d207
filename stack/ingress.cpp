// Packets in: parse, validate, and hand each datagram to its protocol
// (TCP here, UDP and ICMP in host_in.cpp), each segment to its connection or
// listener (the demux), or answer it as RFC 9293 3.10.7.1 says.
#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "stack/core.hpp"
#include "trace/describe.hpp"

namespace stack {

namespace {

// RFC 1122 4.2.3.10: a SYN to a broadcast or multicast address is ignored;
// TCP is unicast only, so we drop any such segment.
bool unicast(std::uint32_t a) {
    return a != 0xffffffffu && (a >> 28) != 0xe && a != 0;
}

}  // namespace

void Core::on_readable(Netif& nif) {
    // Bounded: at most rx_budget_ packets per wake-up, so timers and
    // application requests get their turn during a flood.
    for (std::size_t i = 0; i < rx_budget_ && !stopping_; ++i) {
        auto r = nif.dev->receive(rx_buf_);
        if (!r) break;
        const base::Bytes got{rx_buf_.data(), std::min(r->length, rx_buf_.size())};
        if (nif.ethernet())
            handle_frame(nif, got, r->checksum_trusted);
        else
            handle_packet(nif, got, r->checksum_trusted);
    }
    rearm();
}

void Core::handle_packet(Netif& nif, base::Bytes packet, bool checksum_trusted,
                         bool link_broadcast) {
    ++counters_.packets_in;
    counters_.bytes_in += packet.size();

    auto ipv = ip::parse_ipv4(packet, true);
    if (!ipv) {
        ++counters_.malformed[static_cast<std::size_t>(ipv.error)];
        LOG(ip, debug) << "dropped malformed IPv4 packet (" << base::to_string(ipv.error) << ", "
                       << packet.size() << " bytes)";
        return;
    }
    const auto& ih = ipv->header;
    if (kernel_owns_addresses) {
        // Raw mode: the kernel has reassembled, routed and filtered already,
        // and hands us only TCP.
        if (ih.protocol != ip::kProtoTcp) {
            ++counters_.not_tcp;
            return;
        }
        if (ih.is_fragment()) {
            ++counters_.fragments;
            return;
        }
        handle_tcp(*ipv, checksum_trusted);
        return;
    }

    // The stack as a host. RFC 1122 3.2.1.3: a datagram from a source that
    // names no single host is discarded.
    if ((ih.src >> 28) == 0xe || ih.src == 0xffffffffu || is_broadcast(nif, ih.src)) {
        ++counters_.bad_destination;
        return;
    }
    // RFC 1122 3.3.4.2 and 3.3.1: a host that is not a router drops what
    // is not addressed to it (weak host model: any of our addresses).
    const bool bcast = is_broadcast(nif, ih.dst);
    if (!is_ours(nif, ih.dst) && !bcast) {
        ++counters_.not_for_us;
        LOG(ip, trace) << "not for us: " << ip::addr_to_string(ih.src) << " -> "
                       << ip::addr_to_string(ih.dst);
        return;
    }
    if (ih.is_fragment()) {
        // RFC 791 3.2 / RFC 815: held until the datagram is whole.
        auto whole = reassembler_.add(*ipv, loop.now());
        if (!whole) return;
        ++counters_.reassembled;
        LOG(ip, debug) << "reassembled a datagram of " << whole->size() << " bytes from "
                       << ip::addr_to_string(ih.src);
        handle_packet(nif, *whole, checksum_trusted, link_broadcast);
        return;
    }
    switch (ih.protocol) {
        case ip::kProtoTcp:
            if (bcast) {
                ++counters_.bad_destination;  // RFC 1122 4.2.3.10: TCP is unicast only
                return;
            }
            handle_tcp(*ipv, checksum_trusted);
            return;
        case ip::kProtoUdp:
            handle_udp(nif, *ipv, packet, checksum_trusted, link_broadcast || bcast);
            return;
        case ip::kProtoIcmp:
            handle_icmp(*ipv, link_broadcast || bcast);
            return;
        default:
            // RFC 1122 3.2.2.1: a host SHOULD send Protocol Unreachable.
            ++counters_.not_tcp;
            send_icmp_error(&nif, ip::icmp_type::DestinationUnreachable,
                            ip::unreachable::Protocol, packet, link_broadcast);
            return;
    }
}

void Core::handle_tcp(const ip::Ipv4View& ipv, bool checksum_trusted) {
    const auto& ih = ipv.header;
    if (!unicast(ih.dst) || !unicast(ih.src)) {
        ++counters_.bad_destination;
        return;
    }
    // A checksum the kernel left to "hardware" (raw mode on loopback; packet
    // mode on a veth with offload, TP_STATUS_CSUMNOTREADY) is not verified.
    auto seg = tcp::parse(ipv.payload, ih.src, ih.dst, !checksum_trusted);
    if (!seg) {
        ++counters_.malformed[static_cast<std::size_t>(seg.error)];
        LOG(tcp, debug) << "dropped malformed TCP segment from " << ip::addr_to_string(ih.src)
                        << " (" << base::to_string(seg.error) << ")";
        return;
    }
    const auto& h = seg->header;
    // Our view of the segment: it arrived at `local` from `remote`.
    const tcp::Tuple t{ih.dst, h.dst_port, ih.src, h.src_port};

    if (auto it = by_tuple_.find(t); it != by_tuple_.end()) {
        ++counters_.to_connection;
        LOG(stack, trace) << trace::describe("in ", ih.src, ih.dst, h, seg->payload.size());
        ConnEntry* e = find(it->second);
        e->conn->on_segment(*seg, loop.now());
        settle(*e);
        return;
    }
    if (ListenerEntry* l = find_listener(t.local_ip, t.local_port)) {
        ++counters_.to_listener;
        LOG(stack, trace) << trace::describe("in ", ih.src, ih.dst, h, seg->payload.size());
        to_listener(*l, t, *seg);
        return;
    }
    // In raw mode every raw socket on the host sees every TCP packet: the
    // kernel's own connections, other programs', and the packets we sent
    // ourselves (on loopback they come back in). A port we do not hold
    // belongs to someone else, and the kernel answers for it: never RST it.
    if (kernel_owns_addresses && !ports->owns(t.local_ip, t.local_port)) {
        // One of ours coming back is told apart only for the counters.
        if (by_tuple_.count({t.remote_ip, t.remote_port, t.local_ip, t.local_port}))
            ++counters_.own_looped_back;
        else
            ++counters_.not_ours;
        return;
    }
    LOG(stack, debug) << trace::describe("in ", ih.src, ih.dst, h, seg->payload.size())
                      << " (no connection: RFC 9293 3.10.7.1 reset)";
    reply_reset(t, *seg);
}

ListenerEntry* Core::find_listener(std::uint32_t addr, std::uint16_t port) {
    ListenerEntry* any = nullptr;
    for (auto& [id, l] : listeners_) {
        if (l.port != port) continue;
        if (l.addr == addr) return &l;  // the more specific one wins
        if (l.addr == 0) any = &l;
    }
    return any;
}

// RFC 9293 3.10.7.2, the LISTEN state.
void Core::to_listener(ListenerEntry& l, const tcp::Tuple& t, const tcp::SegmentView& seg) {
    const auto& h = seg.header;
    if (h.has(tcp::flag::RST)) return;  // "An incoming RST should be ignored"
    if (h.has(tcp::flag::ACK)) {        // "Any acknowledgment is bad": RST
        reply_reset(t, seg);
        return;
    }
    if (!h.has(tcp::flag::SYN)) return;  // "drop the segment and return"
    if (l.half_open >= l.syn_backlog || l.ready.size() >= l.backlog) {
        ++counters_.syn_dropped_backlog;
        LOG(stack, debug) << "listener " << ip::addr_to_string(l.addr) << ":" << l.port
                          << ": backlog full (" << l.half_open << " half-open, " << l.ready.size()
                          << " to accept), SYN dropped";
        return;
    }
    const auto now = loop.now();
    auto cfg = cfg_;
    cfg.mss = mss_for(t.remote_ip);
    auto conn = tcp::Connection::accept(t, cfg, isn_.next(t, now), seg, now, *this, observer);
    ConnEntry& e = add(std::move(conn), l.lease);
    e.owner = ConnEntry::Owner::Listener;
    e.listener = l.id;
    ++l.half_open;
    settle(e);
}

// RFC 9293 3.10.7.1: a segment for a connection that does not exist.
void Core::reply_reset(const tcp::Tuple& t, const tcp::SegmentView& seg) {
    if (auto h = tcp::reset_for(seg)) {
        ++counters_.resets_sent;
        send_segment(t, *h, {}, {});
    }
}

}  // namespace stack
