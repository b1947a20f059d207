// The --trace output: one line per TCP segment in and out, local
// side on the left, with the numbers a textbook ladder shows, and between
// them, on lines of their own, the connection's events (tcp::Observer) that
// explain the flow:
//
//   0.000000  10.0.0.1:40000        --> 10.0.0.2:80           [SYN] Seq=0 (ISN 1000) Win=65535 Len=0 MSS=1460 ...
//   0.010000  10.0.0.1:40000        <-- 10.0.0.2:80           [SYN,ACK] Seq=0 (ISN 5000) Ack=1 Win=65535 Len=0 ...
//   0.010000  10.0.0.1:40000         *  10.0.0.2:80           SYN-SENT -> ESTABLISHED
//   0.010000  10.0.0.1:40000        --> 10.0.0.2:80           [ACK] Seq=1 Ack=1 Win=65536 (512x128) Len=0 ...
//
// Sequence and acknowledgment numbers are relative to each side's ISN, as
// Wireshark shows them (the first data byte is Seq=1); the SYN shows the
// absolute ISN once. The window is scaled once both SYNs offered scaling.
// With `diagram`, each connection's segments and events are also recorded
// and drawn as a ladder diagram (trace/ladder.hpp) when it reaches CLOSED.
//
// The stack calls segment() for every TCP segment it sends (after the fault
// injector decided, so that `lost` is known) and receives (before the
// connection sees it, so that the events it causes come after its line), and
// sets the Tracer as each connection's Observer. Not thread-safe: the event
// loop's thread is its only caller.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>

#include "trace/ladder.hpp"
#include "trace/trace_text.hpp"
#include "tcp/connection.hpp"
#include "tcp/segment.hpp"

namespace trace {

enum class Dir : std::uint8_t {
    Out,  // this host sent it
    In,   // this host received it
};

struct TraceOptions {
    bool colour = false;   // ANSI colours; the caller checks isatty()
    bool diagram = false;  // draw a ladder when a connection ends
    std::size_t max_connections = 256;      // state kept, least recently used dropped
    std::size_t max_diagram_rows = 500;     // per connection; the rest are counted
    // Where the time column counts from: the stack gives the program's
    // start (logx::origin(), the log's own zero) so that trace and log lines
    // agree; without one, the first line is 0.000000.
    std::optional<tcp::Time> origin;
};

struct TracedSegment {
    Dir dir = Dir::Out;
    tcp::Time at{0};
    std::uint32_t src_ip = 0, dst_ip = 0;  // as in the IPv4 header
    tcp::Header header;
    std::size_t payload_len = 0;
    bool lost = false;          // the fault injector dropped it
    std::string_view remark;    // appended to the line ("cksum offloaded")
    bool remark_alarm = false;  // painted as an alarm ("BAD CHECKSUM")
};

class Tracer final : public tcp::Observer {
public:
    explicit Tracer(std::ostream& out, TraceOptions opts = {});

    void segment(const TracedSegment& s);
    void on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, tcp::Time now) override;

    // A line about anything else (ARP, ICMP, UDP, a frame that did not
    // parse), in the same columns; `src`/`dst` as on the wire.
    // Painted like a segment in the same direction, or as an alarm.
    void note(Dir dir, tcp::Time at, std::string_view src, std::string_view dst,
              std::string_view text, bool alarm = false);
    // Lines printed under the last one, indented (the --verbose header dumps).
    void detail(std::string_view block);
    // Draws the diagrams of connections that have not ended (at shutdown).
    void finish();

private:
    // One direction of a connection, as seen in the segments it sent.
    struct Side {
        std::optional<tcp::Seq> base;       // the ISN, or what stands for it mid-stream
        bool syn_seen = false;
        std::optional<std::uint8_t> wscale; // from its SYN
        std::optional<tcp::Seq> sent_end;   // highest sequence number sent + 1
    };
    struct Conn {
        Side local, remote;
        std::uint64_t first_seen = 0, last_used = 0;  // ticks of the trace
        std::optional<CongestionSeen> congestion;
        Ladder ladder;
    };

    Conn& conn(const tcp::Tuple& t);
    SegmentNumbers number(Conn& c, const TracedSegment& s);
    void record(Conn& c, LadderRow row);
    void end(const tcp::Tuple& t);
    void line(tcp::Time at, std::string_view arrow, Tone arrow_tone, const std::string& left,
              const std::string& right, const std::string& body);
    tcp::Duration since_start(tcp::Time at);

    std::ostream& out_;
    TraceOptions opts_;
    Style style_;
    std::optional<tcp::Time> start_;
    std::uint64_t tick_ = 0;
    std::unordered_map<tcp::Tuple, Conn, tcp::TupleHash> conns_;
};

}  // namespace trace
