// The words of the --trace output, as pure functions: the time
// column, endpoints, a TCP segment's summary in the style of Wireshark's Info
// column, and the sentence for each tcp::TraceEvent. trace/trace.hpp puts
// them in columns and keeps the per-connection state they need.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tcp/connection.hpp"
#include "tcp/segment.hpp"

namespace trace {

// How a piece of a line is coloured when colour is on.
enum class Tone : std::uint8_t { Out, In, Event, Alarm, Quiet };

// ANSI SGR colour codes (ECMA-48 8.3.117) around text, or the text alone
// when colour is off: a pipe or a file gets no escape codes.
class Style {
public:
    explicit Style(bool colour) : colour_(colour) {}
    std::string paint(Tone tone, std::string_view text) const;

private:
    bool colour_;
};

// "  0.005000": seconds since the trace began, like Wireshark's time column.
std::string time_column(tcp::Duration since_start);

// "10.0.0.1:40000"; with port 0 just the address (ICMP).
std::string endpoint(std::uint32_t ip, std::uint16_t port);

// A segment's numbers after the per-connection bookkeeping.
struct SegmentNumbers {
    std::uint32_t seq = 0;               // relative to the sender's ISN
    std::uint32_t ack = 0;               // relative to the receiver's ISN
    std::uint32_t sack_base = 0;         // absolute ISN that SACK blocks are relative to
    std::optional<std::uint8_t> shift;   // window scale in force for this segment
    std::size_t payload_len = 0;
    bool retransmission = false;         // covers sequence space already sent
};

// "[PSH,ACK] Seq=1 Ack=1 Win=64256 (502x128) Len=5 TSval=9 TSecr=4". A SYN
// also shows its absolute ISN: "Seq=0 (ISN 1000)".
std::string segment_text(const tcp::Header& h, const SegmentNumbers& n);

// "MSS=1460 SACK_PERM TSval=1 TSecr=0 WS=128 SLE=1449 SRE=2897", Wireshark's
// option names; SACK edges relative to `sack_base`. Empty when none.
std::string options_text(const tcp::Options& o, std::uint32_t sack_base);

// cwnd and ssthresh as last reported for a connection (Congestion events
// carry only the new values).
struct CongestionSeen {
    std::uint32_t cwnd = 0;
    std::uint32_t ssthresh = 0;
};

// The sentence for an event: "SYN-SENT -> ESTABLISHED", "RTO fired, backoff
// to 400 ms (retry 1)", "cwnd 14480 -> 28960"... `before` is the previous
// Congestion event's numbers, if there was one.
std::string event_text(const tcp::TraceEvent& e, const std::optional<CongestionSeen>& before);

// Events a learner should not miss (loss, resets) are painted as alarms.
bool is_alarm(const tcp::TraceEvent& e);

}  // namespace trace
