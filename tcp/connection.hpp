// One TCP connection, sans-IO (docs/design.md, rule 3): no sockets, no threads, no
// clock reads. The caller feeds it segments and time; it hands segments out
// through a SegmentSink and tells the caller when it next needs on_timer().
//
// Typical driving loop (the stack's event loop, or a test on a virtual clock):
//
//   conn->on_segment(seg, now);            // a parsed segment for this tuple
//   conn->on_timer(now);                   // when now >= *conn->next_deadline()
//   conn->send(bytes, now); conn->recv(buf, now);   // the application side
//   auto ev = conn->take_events();         // what changed, to wake waiters
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "tcp/segment.hpp"
#include "tcp/types.hpp"

namespace tcp {

// RFC 9293 3.3.2, the eleven states.
enum class State : std::uint8_t {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
};
std::string_view to_string(State);  // "SYN-SENT", as the RFC writes them

// Why a connection ended abnormally; distinct so that the application can
// say "refused", "reset" or "timed out".
enum class Error : std::uint8_t {
    None,
    Refused,      // RST in reply to our SYN (RFC 9293 3.10.7.3)
    Reset,        // RST in a synchronized state
    TimedOut,     // retransmission retry limit reached
    Aborted,      // we aborted (abort())
    Unreachable,  // an ICMP hard error (RFC 1122 4.2.3.9)
};
std::string_view to_string(Error);

struct Config {
    std::uint32_t send_buffer = 256 * 1024;  // bytes the application can queue
    std::uint32_t recv_buffer = 256 * 1024;  // bytes the peer can have in flight to us
    std::uint16_t mss = 1460;                // our MSS: link MTU - 40 (RFC 9293 3.7.1)
    bool nodelay = false;                    // disable Nagle (RFC 896)
    bool window_scale = true;                // RFC 7323 2
    bool timestamps = true;                  // RFC 7323 3
    bool sack = true;                        // RFC 2018
    // The largest IPv4 packet the path to the peer takes in one send (the
    // host sets it from the route's device): above the MTU, segments of up
    // to several MSS go out at once for the device to cut up (TSO). 0: one
    // MSS per segment.
    std::uint32_t max_send_packet = 0;
    std::string congestion = "newreno";      // "newreno", "cubic" or "highspeed"

    // Timers. RFC 6298 2.1: initial RTO 1 s. The 200 ms minimum RTO is
    // Linux's (RFC 6298 2.4 says 1 s SHOULD; every major stack uses less and
    // a 1 s floor makes a lossy LAN crawl). 60 s maximum (RFC 6298 2.5).
    Duration rto_initial = 1s;
    Duration rto_min = 200ms;
    Duration rto_max = 60s;
    Duration delayed_ack = 40ms;             // RFC 1122 4.2.3.2: < 0.5 s; Linux's minimum
    // The owner calls flush_ack() at the end of every receive batch (the
    // stack's loop does, after a wake-up's frames): in-order data then only
    // marks an ACK owed, and one cumulative ACK a batch goes out, as Linux's
    // after GRO. Off, an ACK goes at every second full-sized segment.
    bool ack_per_batch = false;
    Duration msl = 2s;                       // TIME-WAIT lasts 2*MSL; short for demos
    int syn_retries = 6;                     // like Linux tcp_syn_retries
    int max_retries = 15;                    // like Linux tcp_retries2

    // RFC 1122 4.2.3.6: keepalive off by default; idle >= 2 h by default.
    bool keepalive = false;
    Duration keepalive_idle = 7200s;
    Duration keepalive_interval = 75s;
    int keepalive_probes = 9;
};

// Where a connection's segments go. The stack's implementation builds the IP
// packet and sends it; a test's records it. Called synchronously from inside
// the connection's methods; it must not call back into the connection.
class SegmentSink {
public:
    virtual ~SegmentSink() = default;
    // `payload1` then `payload2` follow the header (the send ring may hand its
    // bytes in two pieces). They are valid only during the call.
    // `gso_size` 0: one segment. Otherwise a super-segment of several MSS
    // (Config::max_send_packet), longer than the MTU, which the device cuts
    // into pieces of `gso_size` payload bytes, each with these headers and
    // options (TSO; RFC 9293 and RFC 7323 hold for every piece).
    virtual void send_segment(const Tuple& t, const Header& h, base::Bytes payload1,
                              base::Bytes payload2, std::uint16_t gso_size) = 0;
};

// Per-connection counters (a user can print them).
struct Stats {
    std::uint64_t segs_in = 0, segs_out = 0;
    std::uint64_t bytes_in = 0, bytes_out = 0;  // payload bytes, first transmissions / in order
    std::uint64_t retransmits = 0;              // segments sent again, for any reason
    std::uint64_t rto_timeouts = 0;
    std::uint64_t fast_retransmits = 0;         // entries into fast recovery
    std::uint64_t tail_loss_probes = 0;         // RFC 8985 7
    std::uint64_t dup_acks_in = 0;
    std::uint64_t out_of_order_in = 0;
    std::uint64_t duplicate_in = 0;             // segments wholly already received
    std::uint64_t unacceptable_in = 0;          // failed the 3.10.7.4 test
    std::uint64_t challenge_acks = 0;           // RFC 5961
    std::uint64_t zero_window_probes = 0;
    std::uint64_t keepalive_probes = 0;
    std::uint64_t delayed_acks = 0;
    std::uint64_t batch_acks = 0;               // owed ACKs sent by flush_ack()
    std::uint64_t pmtu_reductions = 0;          // RFC 1191: the MSS shrank to a path MTU
    std::uint64_t icmp_ignored = 0;             // RFC 5927: quoting a segment not in flight
    std::uint64_t bytes_acked = 0;              // payload bytes the peer acknowledged cumulatively
    std::uint64_t sack_blocks_in = 0;           // RFC 2018 blocks received that made sense
    std::uint64_t sacked_bytes = 0;             // bytes newly SACKed by them (RFC 6675 scoreboard)
    std::uint64_t tso_segs_out = 0;             // super-segments of several MSS (TSO), in segs_out

    Stats& operator+=(const Stats& o);  // every field summed: the totals of many connections
};

// What `ss -ti` shows of a connection besides its counters: the state and
// the live numbers of RFC 9293 3.3.1, RFC 6298 and RFC 5681.
struct Info {
    State state = State::Closed;
    Duration srtt{0}, rttvar{0}, rto{0};  // srtt/rttvar 0 until the first RTT sample
    std::uint32_t cwnd = 0, ssthresh = 0;
    std::uint32_t mss = 0;        // effective send MSS
    std::uint32_t snd_wnd = 0;    // the peer's window, scaled
    std::uint32_t rcv_wnd = 0;    // the window we would advertise now, scaled
    std::uint32_t in_flight = 0;  // bytes sent and not acknowledged (RFC 6675 pipe in recovery)
    std::uint32_t unsent = 0;     // bytes queued, not yet sent
    std::uint32_t unread = 0;     // in-order bytes received, not yet read
};

// What a learner can watch: the events between segments that
// explain the flow. The connection reports them to an Observer, if one is set.
struct TraceEvent {
    enum class Kind : std::uint8_t {
        StateChange,      // from -> to
        RtoFired,         // value = the backed-off RTO in ms, count = retry number
        FastRetransmit,   // seq = the segment resent
        DupAck,           // count = duplicate ACKs in a row
        Recovery,         // fast recovery ended (full ACK)
        ZeroWindow,       // the peer's window is shut; persist timer armed (value = ms)
        WindowProbe,      // a zero-window probe sent
        DelayedAck,       // the delayed-ACK timer fired and sent an ACK
        Congestion,       // cwnd and/or ssthresh changed (value = cwnd, value2 = ssthresh)
        TimeWaitExpired,
        TimeWaitRstIgnored,  // RFC 1337: an RST did not cut TIME-WAIT short
        ChallengeAck,     // RFC 5961
        TailLossProbe,    // RFC 8985 7: seq = the probe's first byte
        RackLoss,         // RFC 8985 6.2: seq = a segment deemed lost by time
        Sample,           // the sender's numbers after an ACK, a loss or a timeout, for
                          // plots: value = cwnd, value2 = ssthresh, flight, rto_us
                          // (the text trace leaves these out)
    };
    Kind kind;
    State from = State::Closed, to = State::Closed;
    std::uint32_t seq = 0;      // relative to the ISS
    std::uint64_t value = 0, value2 = 0;
    std::uint32_t count = 0;
    std::uint32_t flight = 0;  // Sample: bytes in flight (RFC 6675 pipe with SACK)
    std::uint32_t rto_us = 0;  // Sample: the current RTO, backoff included
};
std::string_view to_string(TraceEvent::Kind);

class Observer {
public:
    virtual ~Observer() = default;
    virtual void on_event(const Tuple& t, const TraceEvent& e, Time now) = 0;
};

// take_events() bits: what changed since the last call.
namespace event {
constexpr std::uint32_t Established = 1u << 0;  // reached ESTABLISHED (or beyond)
constexpr std::uint32_t Readable = 1u << 1;     // new data, or the peer's FIN
constexpr std::uint32_t Writable = 1u << 2;     // send-buffer space freed
constexpr std::uint32_t Closed = 1u << 3;       // reached CLOSED; can be destroyed
constexpr std::uint32_t Error = 1u << 4;        // error() is now set
}  // namespace event

struct CookieOptions;  // tcp/syn_cookie.hpp

class Connection {
public:
    virtual ~Connection() = default;

    // Active open (RFC 9293 3.10.1): sends the SYN now.
    // `observer` (optional) sees events from the very first transition on.
    static std::unique_ptr<Connection> connect(const Tuple& t, const Config& cfg, Seq iss,
                                               Time now, SegmentSink& out,
                                               Observer* observer = nullptr);
    // Passive open: `syn` arrived at a listener for t.local_port (the caller
    // checked it is a SYN without ACK/RST). Sends the SYN-ACK now; the
    // connection starts in SYN-RECEIVED (RFC 9293 3.10.7.2).
    static std::unique_ptr<Connection> accept(const Tuple& t, const Config& cfg, Seq iss,
                                              const SegmentView& syn, Time now, SegmentSink& out,
                                              Observer* observer = nullptr);

    // RFC 4987 3.3: `ack` returned a valid SYN cookie (tcp/syn_cookie.hpp)
    // with the options `o` it kept: the connection starts ESTABLISHED (IRS =
    // SEG.SEQ - 1, ISS = SEG.ACK - 1), taking any text the ACK carries.
    static std::unique_ptr<Connection> from_cookie(const Tuple& t, const Config& cfg,
                                                   const SegmentView& ack,
                                                   const CookieOptions& o, Time now,
                                                   SegmentSink& out,
                                                   Observer* observer = nullptr);

    // A segment for this connection's tuple, already parsed and checksummed.
    virtual void on_segment(const SegmentView& seg, Time now) = 0;
    // Call when now >= *next_deadline(); extra calls are harmless.
    virtual void on_timer(Time now) = 0;
    // With Config::ack_per_batch: true when in-order data arrived that the
    // every-second-segment rule would have ACKed, and no ACK has gone since;
    // flush_ack() then sends one cumulative ACK (else it does nothing).
    virtual bool ack_owed() const = 0;
    virtual void flush_ack(Time now) = 0;
    // The earliest time on_timer() has something to do; nullopt if none.
    virtual std::optional<Time> next_deadline() const = 0;
    // An ICMP error about this connection (RFC 1122 4.2.3.9): hard errors
    // abort a connection that is still opening; soft ones are remembered.
    virtual void on_icmp_error(bool hard, Time now) = 0;
    // RFC 1191 Path MTU Discovery: an ICMP "fragmentation needed" quoting
    // one of our segments, with the next hop's MTU (the host picks RFC 1191
    // 7's plateau when a router gave none). RFC 5927 4.1: it counts only if
    // the quoted sequence number is one we sent and is not yet acknowledged
    // (SND.UNA <= SEG.SEQ < SND.NXT); then the MSS shrinks to fit and what
    // is in flight goes again at the new size. Returns whether it counted.
    virtual bool on_packet_too_big(Seq quoted_seq, std::uint32_t mtu, Time now) = 0;
    // The path MTU the host now believes (RFC 1191 6.3: its estimate ages
    // and is raised again): the MSS follows, up to what was negotiated.
    virtual void on_path_mtu(std::uint32_t mtu, Time now) = 0;

    // Application side. send() copies what fits in the send buffer and returns
    // how much (0 when full, or when sending is no longer allowed).
    virtual std::size_t send(base::Bytes data, Time now) = 0;
    // recv() copies up to out.size() in-order bytes; may send a window update.
    virtual std::size_t recv(base::MutBytes out, Time now) = 0;
    virtual std::size_t readable() const = 0;  // bytes recv() would return now
    // Zero-copy reading: the readable bytes in place in the receive buffer
    // (one span, two where the ring wraps), then consume(n) frees the first
    // n of them exactly as recv() would have (the window update, the
    // auto-tuning); returns how many it freed. The view is valid until the
    // next consume(), recv(), on_segment(), on_timer() or trim_buffers():
    // send_room() and commit() leave it alone.
    virtual base::SplitBytes recv_view() const = 0;
    virtual std::size_t consume(std::size_t n, Time now) = 0;
    // Zero-copy writing: up to min(max, writable()) bytes of room in the
    // send buffer, in place (the buffer grows to hold them); write into it,
    // then commit(n) queues the first n of them exactly as send() would
    // have, and may send them; returns how many it queued. The room is valid
    // until the next send_room(), send(), commit() or trim_buffers().
    virtual base::SplitMutBytes send_room(std::size_t max) = 0;
    virtual std::size_t commit(std::size_t n, Time now) = 0;
    virtual std::size_t writable() const = 0;  // bytes send() would take now
    // The peer has sent FIN and every byte before it has been read.
    virtual bool eof() const = 0;
    // Memory behind the send and receive buffers now (they grow on demand).
    virtual std::size_t buffer_bytes() const = 0;
    // Gives back the memory of a buffer that is empty and has taken no bytes
    // since the last call (the receive one also with no out-of-order data
    // held); the next byte allocates it again.
    virtual void trim_buffers() = 0;
    // No more sends: FIN after the queued data (RFC 9293 3.10.4, CLOSE call).
    virtual void shutdown_send(Time now) = 0;
    // The application is done reading and writing: like shutdown_send, but if
    // received data is left unread, or arrives later, reset (RFC 2525 2.17).
    virtual void close(Time now) = 0;
    // RFC 9293 3.10.5 ABORT: RST the peer and go to CLOSED at once.
    virtual void abort(Time now) = 0;

    // A SYN (without ACK) for this connection's tuple while it is in
    // TIME-WAIT: may it open a new incarnation? RFC 9293 3.10.7.4 fourth
    // check and RFC 1122 4.2.2.13: yes if its sequence number is above
    // RCV.NXT; RFC 6191 2: with timestamps on both, if its TSval is above
    // TS.Recent. The host then retires this one and treats the SYN as new.
    virtual bool accepts_new_syn(const SegmentView& syn) const = 0;

    virtual std::uint32_t take_events() = 0;
    virtual State state() const = 0;
    virtual Error error() const = 0;
    virtual const Tuple& tuple() const = 0;
    virtual const Stats& stats() const = 0;
    virtual Info info() const = 0;
    // A few live numbers for traces and tests.
    virtual std::uint32_t cwnd() const = 0;
    virtual std::uint32_t ssthresh() const = 0;
    virtual Duration rto() const = 0;
    virtual std::uint16_t peer_mss() const = 0;  // effective send MSS
    virtual Seq iss() const = 0;                 // for relative numbers in traces
    virtual Seq irs() const = 0;
    // Events go to `o` from now on (nullptr: none). Not owned.
    virtual void set_observer(Observer* o) = 0;
};

// RFC 9293 3.10.7.1: the reply to a segment that arrives for no connection
// (CLOSED): nothing for an RST; else RST with seq=SEG.ACK if ACK is set, or
// seq=0 and ACK of SEG.SEQ+SEG.LEN otherwise. Ports swapped.
std::optional<Header> reset_for(const SegmentView& seg);

}  // namespace tcp
