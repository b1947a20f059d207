// TCP segments in: parse, then the demux by 4-tuple to a connection, else
// to a listener (RFC 9293 3.10.7.2), else the reply RFC 9293 3.10.7.1 gives
// a segment for a connection that does not exist.
#include "base/addr.hpp"
#include "base/log.hpp"
#include "host/internal.hpp"
#include "ip/ipv4.hpp"
#include "tcp/segment_dump.hpp"

namespace host {

void Host::on_tcp(const ip::Ipv4View& v, bool trusted, Time now) {
    const auto& ih = v.header;
    // RFC 1122 4.2.3.10: TCP is unicast only (a SYN to a broadcast or
    // multicast address is ignored); RFC 1122 3.2.1.3: nor may 0 or a
    // broadcast be a source.
    if (!base::is_unicast(ih.dst) || !base::is_unicast(ih.src)) {
        ++counters_.bad_destination;
        return;
    }
    // A checksum the kernel left to "hardware" (raw mode on loopback; packet
    // mode on a veth with offload, TP_STATUS_CSUMNOTREADY) is not verified.
    auto seg = tcp::parse(v.payload, ih.src, ih.dst, !trusted);
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
        Conn* e = find(it->second);
        if (!e->conn->accepts_new_syn(*seg)) {
            ++counters_.to_connection;
            LOG(stack, trace) << tcp::describe("in ", ih.src, ih.dst, h, seg->payload.size());
            e->conn->on_segment(*seg, now);
            if (!e->ack_listed && e->conn->ack_owed()) {
                e->ack_listed = true;
                acks_owed_.push_back(e->id);
            }
            settle(*e);
            return;
        }
        // RFC 6191 / RFC 1122 4.2.2.13: a new incarnation of a connection in
        // TIME-WAIT; the old one ends here and the SYN goes to the listener.
        ++counters_.time_wait_reused;
        LOG(stack, debug) << "connection " << e->id << ": a new SYN ends TIME-WAIT";
        detach(*e);
        if (e->owner != Conn::Owner::App) destroy(*e);
    }
    if (Listen* l = find_listener(t.local_ip, t.local_port)) {
        ++counters_.to_listener;
        LOG(stack, trace) << tcp::describe("in ", ih.src, ih.dst, h, seg->payload.size());
        to_listener(*l, t, *seg, now);
        return;
    }
    // In raw mode every raw socket on the host sees every TCP packet: the
    // kernel's own connections, other programs', and the packets we sent
    // ourselves (on loopback they come back in). A port we do not hold
    // belongs to someone else, and the kernel answers for it: never RST it.
    if (cfg_.kernel_owns_addresses && !holds_port(t.local_ip, t.local_port)) {
        // One of ours coming back is told apart only for the counters.
        if (by_tuple_.count({t.remote_ip, t.remote_port, t.local_ip, t.local_port}))
            ++counters_.own_looped_back;
        else
            ++counters_.not_ours;
        return;
    }
    LOG(stack, debug) << tcp::describe("in ", ih.src, ih.dst, h, seg->payload.size())
                      << " (no connection: RFC 9293 3.10.7.1 reset)";
    reply_reset(t, *seg);
}

Host::Listen* Host::find_listener(std::uint32_t addr, std::uint16_t port) {
    Listen* any = nullptr;
    for (auto& [id, l] : listeners_) {
        if (l->l.port() != port) continue;
        if (l->l.addr() == addr) return l.get();  // the more specific one wins
        if (l->l.addr() == 0) any = l.get();
    }
    return any;
}

void Host::to_listener(Listen& l, const tcp::Tuple& t, const tcp::SegmentView& seg, Time now) {
    switch (l.l.on_segment(seg.header)) {
        case tcp::Listener::Verdict::Ignore:
            return;
        case tcp::Listener::Verdict::Reset:
            // RFC 4987 3.3: a bare ACK may return a SYN cookie; if it does
            // not, RFC 9293 3.10.7.2's <SEQ=SEG.ACK><CTL=RST>.
            if (!seg.header.has(tcp::flag::SYN) && open_from_cookie(l, t, seg, now)) return;
            reply_reset(t, seg);
            return;
        case tcp::Listener::Verdict::SynQueueFull:
            if (cfg_.syn_cookies) {
                send_cookie(l, t, seg, now);
                return;
            }
            [[fallthrough]];
        case tcp::Listener::Verdict::Full:
            // As Linux: a full accept queue drops the SYN even with cookies.
            ++counters_.syn_dropped_backlog;
            LOG(stack, debug) << "listener " << ip::addr_to_string(l.l.addr()) << ":" << l.l.port()
                              << ": backlog full (" << l.l.half_open() << " half-open, "
                              << l.l.ready() << " to accept), SYN dropped";
            return;
        case tcp::Listener::Verdict::Open:
            break;
    }
    auto cfg = tcp_config_for(t.remote_ip);
    auto conn = tcp::Connection::accept(t, cfg, isn_.next(t, now), seg, now, *this, cfg_.observer);
    Conn& e = add(std::move(conn), l.hold);
    e.owner = Conn::Owner::Listener;
    e.listener = l.id;
    l.l.opened(e.id);
    settle(e);
}

// RFC 4987 3.3: the SYN queue is full; answer with a cookie and keep nothing.
void Host::send_cookie(Listen& l, const tcp::Tuple& t, const tcp::SegmentView& syn, Time now) {
    auto cfg = tcp_config_for(t.remote_ip);
    const tcp::Seq iss = cookies_.make(t, syn.header, now);
    ++counters_.syn_cookies_sent;
    l.cookie_sent_at = now;
    LOG(stack, debug) << "listener " << base::endpoint_to_string(l.l.addr(), l.l.port())
                      << ": SYN queue full (" << l.l.half_open() << "), SYN cookie to "
                      << base::endpoint_to_string(t.remote_ip, t.remote_port);
    send_segment(t, tcp::cookie_syn_ack(cfg, syn.header, iss, now), {}, {}, 0);
}

// RFC 4987 3.3: an ACK for no connection at a listener. True if it returned
// a valid cookie (the connection is made, or dropped for a full accept
// queue); false if not: the caller resets.
bool Host::open_from_cookie(Listen& l, const tcp::Tuple& t, const tcp::SegmentView& ack, Time now) {
    if (!l.cookie_sent_at || now - *l.cookie_sent_at >= 2 * tcp::cookie::kPeriod) return false;
    auto cfg = tcp_config_for(t.remote_ip);
    const auto o = cookies_.check(t, ack.header, cfg, now);
    if (!o) {
        ++counters_.syn_cookies_invalid;
        return false;
    }
    ++counters_.syn_cookies_valid;
    if (l.l.accept_queue_full()) {
        // As Linux: dropped; the peer's retransmission may find room.
        ++counters_.syn_dropped_backlog;
        LOG(stack, debug) << "listener " << base::endpoint_to_string(l.l.addr(), l.l.port())
                          << ": valid SYN cookie, accept queue full: dropped";
        return true;
    }
    auto conn = tcp::Connection::from_cookie(t, cfg, ack, *o, now, *this, cfg_.observer);
    Conn& e = add(std::move(conn), l.hold);
    e.owner = Conn::Owner::Listener;
    e.listener = l.id;
    e.established = true;  // straight to the accept queue, never half-open
    l.l.from_cookie(e.id);
    changed(l.id);
    settle(e);
    return true;
}

// RFC 9293 3.10.7.1: a segment for a connection that does not exist.
void Host::reply_reset(const tcp::Tuple& t, const tcp::SegmentView& seg) {
    if (auto h = tcp::reset_for(seg)) {
        ++counters_.resets_sent;
        send_segment(t, *h, {}, {}, 0);
    }
}

}  // namespace host
