#include "trace/trace_text.hpp"

#include "base/addr.hpp"

#include <cstdio>

#include "ip/ipv4.hpp"

namespace trace {

namespace {

// RFC 5681 3.1: the initial ssthresh is "arbitrarily high"; our controllers
// start it at 2^30 or more. Printing that number would only puzzle a reader.
constexpr std::uint32_t kUnboundedSsthresh = 1u << 30;

std::string bytes_or_max(std::uint32_t v) {
    return v >= kUnboundedSsthresh ? std::string("max") : std::to_string(v);
}

void append(std::string& s, const char* fmt, auto... args) {
    char buf[96];
    std::snprintf(buf, sizeof buf, fmt, args...);
    s += buf;
}

}  // namespace

std::string Style::paint(Tone tone, std::string_view text) const {
    const char* code = "";
    switch (tone) {
        case Tone::Out: code = "36"; break;     // cyan
        case Tone::In: code = "32"; break;      // green
        case Tone::Event: code = "33"; break;   // yellow
        case Tone::Alarm: code = "1;31"; break; // bold red
        case Tone::Quiet: code = "2"; break;    // faint
    }
    if (!colour_) return std::string(text);
    std::string s = "\x1b[";
    s += code;
    s += 'm';
    s += text;
    s += "\x1b[0m";
    return s;
}

std::string time_column(tcp::Duration since_start) {
    const long long us = since_start.count() < 0 ? 0 : since_start.count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%4lld.%06lld", us / 1000000, us % 1000000);
    return buf;
}

std::string endpoint(std::uint32_t ip, std::uint16_t port) {
    return port != 0 ? base::endpoint_to_string(ip, port) : ip::addr_to_string(ip);
}

std::string options_text(const tcp::Options& o, std::uint32_t sack_base) {
    std::string s;
    auto sep = [&] {
        if (!s.empty()) s += ' ';
    };
    if (o.mss) {
        sep();
        append(s, "MSS=%u", unsigned{*o.mss});
    }
    if (o.sack_permitted) {
        sep();
        s += "SACK_PERM";
    }
    if (o.timestamps) {
        sep();
        append(s, "TSval=%u TSecr=%u", o.timestamps->val, o.timestamps->ecr);
    }
    if (o.wscale) {
        // RFC 7323 2.3: a shift above 14 is used as 14.
        const unsigned shift = *o.wscale > 14 ? 14 : *o.wscale;
        sep();
        append(s, "WS=%u", 1u << shift);
    }
    for (std::size_t i = 0; i < o.sack_count; ++i) {
        sep();
        append(s, "SLE=%u SRE=%u", o.sack[i].left - sack_base, o.sack[i].right - sack_base);
    }
    return s;
}

std::string segment_text(const tcp::Header& h, const SegmentNumbers& n) {
    std::string s;
    if (n.retransmission) s += "[TCP Retransmission] ";
    s += '[' + tcp::flags_to_string(h.flags) + ']';
    append(s, " Seq=%u", n.seq);
    if (h.has(tcp::flag::SYN)) append(s, " (ISN %u)", h.seq);
    if (h.has(tcp::flag::ACK)) append(s, " Ack=%u", n.ack);
    if (n.shift && *n.shift > 0 && h.window != 0) {
        // RFC 7323 2.3: the true window is SEG.WND << Snd.Wind.Shift.
        const std::uint32_t scaled = std::uint32_t{h.window} << *n.shift;
        append(s, " Win=%u (%ux%u)", scaled, unsigned{h.window}, 1u << *n.shift);
    } else {
        append(s, " Win=%u", unsigned{h.window});
    }
    append(s, " Len=%zu", n.payload_len);
    const std::string opts = options_text(h.options, n.sack_base);
    if (!opts.empty()) s += ' ' + opts;
    return s;
}

std::string event_text(const tcp::TraceEvent& e, const std::optional<CongestionSeen>& before) {
    using K = tcp::TraceEvent::Kind;
    std::string s;
    switch (e.kind) {
        case K::StateChange:
            s += tcp::to_string(e.from);
            s += " -> ";
            s += tcp::to_string(e.to);
            break;
        case K::RtoFired:
            append(s, "RTO fired, backoff to %llu ms (retry %u)",
                   static_cast<unsigned long long>(e.value), e.count);
            break;
        case K::FastRetransmit: append(s, "fast retransmit of seq %u", e.seq); break;
        case K::DupAck: append(s, "dup ACK #%u for seq %u", e.count, e.seq); break;
        case K::Recovery: s = "fast recovery done (full ACK)"; break;
        case K::ZeroWindow:
            append(s, "zero window: persist timer %llu ms", static_cast<unsigned long long>(e.value));
            break;
        case K::WindowProbe: append(s, "window probe at seq %u", e.seq); break;
        case K::DelayedAck: s = "delayed ACK timer fired"; break;
        case K::Congestion: {
            const auto cwnd = static_cast<std::uint32_t>(e.value);
            const auto ssthresh = static_cast<std::uint32_t>(e.value2);
            if (!before) {
                s = "cwnd " + std::to_string(cwnd) + ", ssthresh " + bytes_or_max(ssthresh);
                break;
            }
            s = "cwnd " + std::to_string(before->cwnd);
            if (before->cwnd != cwnd) s += " -> " + std::to_string(cwnd);
            if (before->ssthresh != ssthresh)
                s += ", ssthresh " + bytes_or_max(before->ssthresh) + " -> " + bytes_or_max(ssthresh);
            break;
        }
        case K::TimeWaitExpired: s = "TIME-WAIT expired after 2*MSL"; break;
        case K::TimeWaitRstIgnored: s = "RST ignored in TIME-WAIT (RFC 1337)"; break;
        case K::ChallengeAck: s = "challenge ACK (RFC 5961)"; break;
        case K::TailLossProbe: append(s, "tail loss probe at seq %u (RFC 8985)", e.seq); break;
        case K::RackLoss: append(s, "RACK: seq %u deemed lost (RFC 8985)", e.seq); break;
        case K::Sample:
            append(s, "cwnd %llu, ssthresh %s, in flight %u, RTO %u ms",
                   static_cast<unsigned long long>(e.value),
                   bytes_or_max(static_cast<std::uint32_t>(e.value2)).c_str(), e.flight,
                   e.rto_us / 1000);
            break;
    }
    return s;
}

bool is_alarm(const tcp::TraceEvent& e) {
    using K = tcp::TraceEvent::Kind;
    return e.kind == K::RtoFired || e.kind == K::FastRetransmit || e.kind == K::ChallengeAck ||
           e.kind == K::TailLossProbe || e.kind == K::RackLoss;
}

}  // namespace trace
