#include "trace/plot.hpp"

#include <algorithm>

#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"
#include "tcp/seq.hpp"

namespace trace {

std::string_view label(PlotEvent::Kind k) {
    using K = PlotEvent::Kind;
    switch (k) {
        case K::Rto: return "RTO";
        case K::FastRetransmit: return "fast retransmit";
        case K::TailLossProbe: return "TLP";
        case K::ZeroWindow: return "zero window";
        case K::RackLoss: return "RACK lost";
    }
    return "?";
}

PlotRecorder::PlotRecorder(std::size_t max_points, std::size_t max_connections)
    : max_points_(max_points), max_connections_(std::max<std::size_t>(max_connections, 1)) {}

void PlotRecorder::packet(Dir dir, tcp::Time at, base::Bytes bytes, bool ethernet, bool lost) {
    if (ethernet) {
        auto eth = l2::parse_ethernet(bytes);
        if (!eth || eth->header.type != l2::ethertype::IPv4) return;
        bytes = eth->payload;
    }
    auto v = ip::parse_ipv4(bytes, /*verify=*/false);
    if (!v || v->header.protocol != ip::kProtoTcp || v->header.is_fragment()) return;
    auto seg = tcp::parse(v->payload, v->header.src, v->header.dst, /*verify=*/false);
    if (!seg) return;
    segment(dir, at, v->header.src, v->header.dst, seg->header, seg->payload.size(), lost);
}

PlotRecorder::Conn& PlotRecorder::conn(const tcp::Tuple& t, tcp::Time at) {
    auto it = conns_.find(t);
    if (it == conns_.end()) {
        if (conns_.size() >= max_connections_) {
            auto victim = std::min_element(conns_.begin(), conns_.end(), [](auto& a, auto& b) {
                return a.second.last_used < b.second.last_used;
            });
            end(victim->first);
        }
        it = conns_.emplace(t, Conn{}).first;
        it->second.plot.tuple = t;
        it->second.first_seen = tick_ + 1;
    }
    Conn& c = it->second;
    c.last_used = ++tick_;
    if (!c.started) {
        c.started = true;
        c.plot.start = at;
    }
    return c;
}

bool PlotRecorder::room(Conn& c) {
    const ConnectionPlot& p = c.plot;
    const std::size_t n =
        p.sent.size() + p.acks.size() + p.sacks.size() + p.samples.size() + p.events.size();
    if (n < max_points_) return true;
    ++c.plot.omitted;
    return false;
}

void PlotRecorder::segment(Dir dir, tcp::Time at, std::uint32_t src_ip, std::uint32_t dst_ip,
                           const tcp::Header& h, std::size_t payload_len, bool lost) {
    const bool out = dir == Dir::Out;
    const tcp::Tuple t = out ? tcp::Tuple{src_ip, h.src_port, dst_ip, h.dst_port}
                             : tcp::Tuple{dst_ip, h.dst_port, src_ip, h.src_port};
    Conn& c = conn(t, at);
    if (out) sent(c, h, payload_len, lost, at);
    else received(c, h, at);
}

void PlotRecorder::sent(Conn& c, const tcp::Header& h, std::size_t payload_len, bool lost,
                        tcp::Time at) {
    if (h.has(tcp::flag::SYN)) {
        c.local_base = h.seq;
        c.local_known = c.local_syn = true;
        c.local_wscale = h.options.wscale ? std::min<int>(*h.options.wscale, 14) : -1;
    } else if (!c.local_known) {
        c.local_base = h.seq - 1;  // joined mid-stream: the first byte seen is 1
        c.local_known = true;
    }
    if (h.has(tcp::flag::ACK) && !c.remote_known) {
        c.remote_base = h.ack - 1;
        c.remote_known = true;
    }
    // RFC 9293 3.4: SYN and FIN occupy one sequence number each.
    const auto len = static_cast<std::uint32_t>(payload_len) + (h.has(tcp::flag::SYN) ? 1 : 0) +
                     (h.has(tcp::flag::FIN) ? 1 : 0);
    if (len == 0) return;  // a pure ACK of ours says nothing about our sending
    const std::uint32_t seq = h.seq - c.local_base;
    const bool again = c.any_sent && tcp::seq_lt(seq, c.sent_end);
    c.sent_end = c.any_sent ? tcp::seq_max(c.sent_end, seq + len) : seq + len;
    c.any_sent = true;
    if (again) ++c.plot.retransmissions;
    if (!room(c)) return;
    c.plot.sent.push_back({at - c.plot.start, seq, len, again, lost});
}

void PlotRecorder::received(Conn& c, const tcp::Header& h, tcp::Time at) {
    if (h.has(tcp::flag::SYN)) {
        c.remote_base = h.seq;
        c.remote_known = c.remote_syn = true;
        c.remote_wscale = h.options.wscale ? std::min<int>(*h.options.wscale, 14) : -1;
    }
    if (!h.has(tcp::flag::ACK) || h.has(tcp::flag::RST)) return;
    if (!c.local_known) {
        c.local_base = h.ack - 1;
        c.local_known = true;
    }
    // RFC 7323 2.2: the peer's window is scaled by its shift once both SYNs
    // carried the option, and never in a SYN.
    std::uint64_t win = h.window;
    if (!h.has(tcp::flag::SYN) && c.local_syn && c.remote_syn && c.local_wscale >= 0 &&
        c.remote_wscale >= 0)
        win <<= c.remote_wscale;
    const std::uint32_t ack = h.ack - c.local_base;
    if (!room(c)) return;
    c.plot.acks.push_back({at - c.plot.start, ack, ack + static_cast<std::uint32_t>(win), win == 0});
    for (std::size_t i = 0; i < h.options.sack_count && i < h.options.sack.size(); ++i) {
        if (!room(c)) return;
        const auto& b = h.options.sack[i];
        c.plot.sacks.push_back({at - c.plot.start, b.left - c.local_base, b.right - c.local_base});
    }
}

void PlotRecorder::on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, tcp::Time now) {
    using K = tcp::TraceEvent::Kind;
    if (e.kind == K::StateChange) {
        if (e.to == tcp::State::Closed && conns_.count(t)) end(t);
        return;
    }
    Conn& c = conn(t, now);
    const tcp::Duration at = now - c.plot.start;
    if (e.kind == K::Sample) {
        if (room(c))
            c.plot.samples.push_back({at, static_cast<std::uint32_t>(e.value),
                                      static_cast<std::uint32_t>(e.value2), e.flight,
                                      tcp::Duration{e.rto_us}});
        return;
    }
    PlotEvent::Kind k;
    switch (e.kind) {
        case K::RtoFired: k = PlotEvent::Kind::Rto; break;
        case K::FastRetransmit: k = PlotEvent::Kind::FastRetransmit; break;
        case K::TailLossProbe: k = PlotEvent::Kind::TailLossProbe; break;
        case K::ZeroWindow: k = PlotEvent::Kind::ZeroWindow; break;
        case K::RackLoss: k = PlotEvent::Kind::RackLoss; break;
        default: return;
    }
    if (room(c)) c.plot.events.push_back({at, k, e.seq});
}

void PlotRecorder::end(const tcp::Tuple& t) {
    auto it = conns_.find(t);
    if (it == conns_.end()) return;
    finished_.emplace_back(it->second.first_seen, std::move(it->second.plot));
    conns_.erase(it);
}

std::vector<ConnectionPlot> PlotRecorder::take_finished() {
    std::vector<ConnectionPlot> out;
    for (auto& [first, p] : finished_) out.push_back(std::move(p));
    finished_.clear();
    return out;
}

std::vector<ConnectionPlot> PlotRecorder::finish() {
    std::vector<tcp::Tuple> open;
    for (const auto& [t, c] : conns_) open.push_back(t);
    for (const auto& t : open) end(t);
    std::stable_sort(finished_.begin(), finished_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return take_finished();
}

}  // namespace trace
