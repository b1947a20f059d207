#include "trace/trace.hpp"

#include <algorithm>
#include <vector>

namespace trace {

namespace {

constexpr std::size_t kEndpointWidth = 21;  // "255.255.255.255:65535"

std::string padded(std::string_view s) {
    std::string out(s);
    if (out.size() < kEndpointWidth) out.resize(kEndpointWidth, ' ');
    return out;
}

tcp::Tuple tuple_of(const TracedSegment& s) {
    const auto& h = s.header;
    if (s.dir == Dir::Out) return {s.src_ip, h.src_port, s.dst_ip, h.dst_port};
    return {s.dst_ip, h.dst_port, s.src_ip, h.src_port};
}

}  // namespace

Tracer::Tracer(std::ostream& out, TraceOptions opts)
    : out_(out), opts_(opts), style_(opts.colour), start_(opts.origin) {}

tcp::Duration Tracer::since_start(tcp::Time at) {
    if (!start_) start_ = at;
    return at - *start_;
}

Tracer::Conn& Tracer::conn(const tcp::Tuple& t) {
    auto it = conns_.find(t);
    if (it == conns_.end()) {
        if (conns_.size() >= std::max<std::size_t>(opts_.max_connections, 1)) {
            // Bounded: a busy server must not grow the trace's memory without
            // limit. The least recently seen connection goes (diagram drawn).
            auto victim = std::min_element(conns_.begin(), conns_.end(), [](auto& a, auto& b) {
                return a.second.last_used < b.second.last_used;
            });
            end(victim->first);
        }
        it = conns_.emplace(t, Conn{}).first;
        it->second.first_seen = tick_ + 1;
        it->second.ladder.local = endpoint(t.local_ip, t.local_port);
        it->second.ladder.remote = endpoint(t.remote_ip, t.remote_port);
    }
    it->second.last_used = ++tick_;
    return it->second;
}

SegmentNumbers Tracer::number(Conn& c, const TracedSegment& s) {
    const tcp::Header& h = s.header;
    Side& from = s.dir == Dir::Out ? c.local : c.remote;
    Side& to = s.dir == Dir::Out ? c.remote : c.local;
    if (h.has(tcp::flag::SYN)) {
        if (from.base && *from.base != h.seq) {
            // A SYN with another ISN: a new incarnation of the 4-tuple.
            from = Side{};
            if (!h.has(tcp::flag::ACK)) to = Side{};
        }
        from.base = h.seq;
        from.syn_seen = true;
        from.wscale = h.options.wscale;
    } else if (!from.base) {
        // Joined mid-stream: like Wireshark, number the first byte seen 1.
        from.base = h.seq - 1;
    }
    if (h.has(tcp::flag::ACK) && !to.base) to.base = h.ack - 1;

    SegmentNumbers n;
    n.seq = h.seq - *from.base;
    n.ack = h.has(tcp::flag::ACK) ? h.ack - *to.base : 0;
    n.sack_base = to.base.value_or(0);
    n.payload_len = s.payload_len;
    // RFC 7323 2.2: scaling is in force only when both SYNs carried the
    // option, and a SYN's own window is never scaled. 2.3: at most 14.
    if (!h.has(tcp::flag::SYN) && from.syn_seen && to.syn_seen && from.wscale && to.wscale)
        n.shift = std::min<std::uint8_t>(*from.wscale, 14);
    // A segment that covers sequence space already sent is a retransmission
    // (RFC 9293 3.4: SYN and FIN occupy one sequence number each).
    const auto seg_len = static_cast<std::uint32_t>(s.payload_len) +
                         (h.has(tcp::flag::SYN) ? 1 : 0) + (h.has(tcp::flag::FIN) ? 1 : 0);
    if (seg_len > 0) {
        const tcp::Seq end = h.seq + seg_len;
        n.retransmission = from.sent_end && tcp::seq_lt(h.seq, *from.sent_end);
        from.sent_end = from.sent_end ? tcp::seq_max(*from.sent_end, end) : end;
    }
    return n;
}

void Tracer::segment(const TracedSegment& s) {
    const tcp::Tuple t = tuple_of(s);
    Conn& c = conn(t);
    const SegmentNumbers n = number(c, s);
    const tcp::Header& h = s.header;
    const bool out = s.dir == Dir::Out;
    const Tone tone = (h.has(tcp::flag::RST) || n.retransmission) ? Tone::Alarm
                      : out                                        ? Tone::Out
                                                                   : Tone::In;
    std::string body = style_.paint(tone, segment_text(h, n));
    if (s.lost) body += "  " + style_.paint(Tone::Alarm, "LOST (fault injector)");
    if (!s.remark.empty()) body += "  " + style_.paint(s.remark_alarm ? Tone::Alarm : Tone::Quiet, s.remark);
    line(s.at, out ? "-->" : "<--", out ? Tone::Out : Tone::In, c.ladder.local, c.ladder.remote,
         body);
    if (opts_.diagram)
        record(c, LadderArrow{.at = since_start(s.at),
                              .outgoing = out,
                              .flags = h.flags,
                              .seq = n.seq,
                              .ack = n.ack,
                              .len = static_cast<std::uint32_t>(s.payload_len),
                              .lost = s.lost});
}

void Tracer::on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, tcp::Time now) {
    // One on every ACK: for plots (trace/plot.hpp), too many for a person.
    if (e.kind == tcp::TraceEvent::Kind::Sample) return;
    Conn& c = conn(t);
    const std::string text = event_text(e, c.congestion);
    if (e.kind == tcp::TraceEvent::Kind::Congestion)
        c.congestion = CongestionSeen{static_cast<std::uint32_t>(e.value),
                                      static_cast<std::uint32_t>(e.value2)};
    line(now, " * ", Tone::Event, c.ladder.local, c.ladder.remote,
         style_.paint(is_alarm(e) ? Tone::Alarm : Tone::Event, text));
    if (opts_.diagram) record(c, LadderNote{.at = since_start(now), .text = text});
    if (e.kind == tcp::TraceEvent::Kind::StateChange && e.to == tcp::State::Closed) end(t);
}

void Tracer::note(Dir dir, tcp::Time at, std::string_view src, std::string_view dst,
                  std::string_view text, bool alarm) {
    const bool out = dir == Dir::Out;
    const Tone tone = out ? Tone::Out : Tone::In;
    line(at, out ? "-->" : "<--", tone, std::string(out ? src : dst), std::string(out ? dst : src),
         style_.paint(alarm ? Tone::Alarm : tone, text));
}

void Tracer::detail(std::string_view block) {
    const std::string indent(time_column(tcp::Time{0}).size() + 2, ' ');
    std::string text;
    std::size_t at = 0;
    while (at < block.size()) {
        std::size_t nl = block.find('\n', at);
        if (nl == std::string_view::npos) nl = block.size();
        text += indent;
        text += block.substr(at, nl - at);
        text += '\n';
        at = nl + 1;
    }
    out_ << text << std::flush;  // one write, as for a line
}

void Tracer::finish() {
    std::vector<std::pair<std::uint64_t, tcp::Tuple>> order;
    for (const auto& [t, c] : conns_) order.emplace_back(c.first_seen, t);
    std::sort(order.begin(), order.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [first, t] : order) end(t);
}

void Tracer::record(Conn& c, LadderRow row) {
    if (c.ladder.rows.size() < opts_.max_diagram_rows) c.ladder.rows.push_back(std::move(row));
    else ++c.ladder.omitted;
}

void Tracer::end(const tcp::Tuple& t) {
    auto it = conns_.find(t);
    if (it == conns_.end()) return;
    if (opts_.diagram && !it->second.ladder.rows.empty())
        out_ << '\n' + render_ladder(it->second.ladder) + '\n' << std::flush;
    conns_.erase(it);
}

void Tracer::line(tcp::Time at, std::string_view arrow, Tone arrow_tone, const std::string& left,
                  const std::string& right, const std::string& body) {
    // One write per line: the trace shares stderr with the log, and a
    // terminal with the app's stdout, so a line must not be split.
    std::string text = style_.paint(Tone::Quiet, time_column(since_start(at)));
    text += "  " + padded(left) + ' ' + style_.paint(arrow_tone, arrow) + ' ' + padded(right) +
            ' ' + body + '\n';
    out_ << text << std::flush;
}

}  // namespace trace
