// The data of a time-sequence graph (tcptrace's, Wireshark's "Stevens"
// graph) of each TCP connection, collected sans-IO: no clock, no file. The
// recorder takes two kinds of input,
//
//   segment(dir, at, src_ip, dst_ip, header, payload_len)   a segment seen at
//                                     time `at`, sent (Out) or received (In)
//   on_event(tuple, event, now)       the connection's tcp::Observer events
//
// so the stack feeds it both (trace/plot_device) and a reader of a capture
// file can feed it segments alone: the sender's own numbers (cwnd,
// ssthresh, bytes in flight, RTO) then stay empty and the plot says so.
// Everything is from the local side's point of view: its segments' sequence
// numbers relative to its ISN (Wireshark's relative numbers), and the ACKs
// and windows the peer sent back. trace/plot_svg.hpp draws the result.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tcp/connection.hpp"
#include "tcp/segment.hpp"
#include "trace/trace.hpp"

namespace trace {

struct PlotSent {
    tcp::Duration at{0};  // since the connection's first segment
    std::uint32_t seq = 0, len = 0;  // relative; len counts SYN and FIN
    bool retransmission = false;     // covers sequence space sent before
    bool lost = false;               // the fault injector dropped it
};
struct PlotAck {
    tcp::Duration at{0};
    std::uint32_t ack = 0;       // cumulative, relative to our ISN
    std::uint32_t window_edge = 0;  // ack + the peer's window (scaled)
    bool zero_window = false;
};
struct PlotSack {
    tcp::Duration at{0};
    std::uint32_t start = 0, end = 0;  // relative
};
struct PlotSample {
    tcp::Duration at{0};
    std::uint32_t cwnd = 0, ssthresh = 0, flight = 0;
    tcp::Duration rto{0};
};
struct PlotEvent {
    enum class Kind : std::uint8_t { Rto, FastRetransmit, TailLossProbe, ZeroWindow, RackLoss };
    tcp::Duration at{0};
    Kind kind = Kind::Rto;
    std::uint32_t seq = 0;
};
std::string_view label(PlotEvent::Kind k);  // "RTO", "fast retransmit", "TLP"...

struct ConnectionPlot {
    tcp::Tuple tuple;                 // local side first
    tcp::Time start{0};               // time of its first segment
    std::vector<PlotSent> sent;       // our segments that occupy sequence space
    std::vector<PlotAck> acks;        // the peer's ACKs
    std::vector<PlotSack> sacks;      // SACK blocks in them (RFC 2018)
    std::vector<PlotSample> samples;  // the sender's numbers (empty from packets alone)
    std::vector<PlotEvent> events;
    std::size_t omitted = 0;          // points beyond the bound, not kept
    std::uint32_t retransmissions = 0;
};

class PlotRecorder {
public:
    // At most `max_points` points (of all kinds) per connection and
    // `max_connections` at once (the least recently seen then ends early).
    explicit PlotRecorder(std::size_t max_points = 200000, std::size_t max_connections = 64);

    void segment(Dir dir, tcp::Time at, std::uint32_t src_ip, std::uint32_t dst_ip,
                 const tcp::Header& h, std::size_t payload_len, bool lost = false);
    // A whole packet seen (an Ethernet II frame or a bare IPv4 packet): its
    // TCP segment goes to segment(); anything else is left out. Checksums
    // are not verified: what went by is drawn even if a stack would drop it.
    void packet(Dir dir, tcp::Time at, base::Bytes bytes, bool ethernet, bool lost = false);
    void on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, tcp::Time now);

    // Connections that reached CLOSED (or were pushed out) since the last call.
    std::vector<ConnectionPlot> take_finished();
    // Ends every connection still open and returns them all (at exit, or at
    // the end of a capture file), in the order they were first seen.
    std::vector<ConnectionPlot> finish();

private:
    struct Conn {
        ConnectionPlot plot;
        bool started = false;
        std::uint32_t local_base = 0, remote_base = 0;
        bool local_known = false, remote_known = false;
        bool local_syn = false, remote_syn = false;
        int local_wscale = -1, remote_wscale = -1;
        std::uint32_t sent_end = 0;  // highest relative sequence number sent + 1
        bool any_sent = false;
        std::uint64_t first_seen = 0, last_used = 0;
    };
    Conn& conn(const tcp::Tuple& t, tcp::Time at);
    bool room(Conn& c);
    void sent(Conn& c, const tcp::Header& h, std::size_t payload_len, bool lost, tcp::Time at);
    void received(Conn& c, const tcp::Header& h, tcp::Time at);
    void end(const tcp::Tuple& t);

    std::size_t max_points_, max_connections_;
    std::uint64_t tick_ = 0;
    std::unordered_map<tcp::Tuple, Conn, tcp::TupleHash> conns_;
    std::vector<std::pair<std::uint64_t, ConnectionPlot>> finished_;
};

}  // namespace trace
