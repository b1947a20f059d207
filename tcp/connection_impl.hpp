// Internal to tcp/: the state behind tcp::Connection. Split over four files:
// connection.cpp (opening, the application side, output), connection_input.cpp
// (segment arrival, RFC 9293 3.10.7), connection_recovery.cpp (loss detection
// and recovery: RFC 5681/6582 without SACK, RFC 6675 + RFC 8985 RACK-TLP with
// it) and connection_timers.cpp (RFC 6298 retransmission, persist, delayed
// ACK, keepalive, TIME-WAIT).
#pragma once
#include <memory>
#include <optional>

#include "tcp/congestion.hpp"
#include "tcp/connection.hpp"
#include "tcp/ring_buffer.hpp"
#include "tcp/rtt.hpp"
#include "tcp/seq_ranges.hpp"
#include "tcp/tx_log.hpp"

namespace tcp {

// RFC 7323 2.3: the smallest shift that lets the window field express the
// whole receive buffer, at most 14.
std::uint8_t wscale_for(std::uint32_t buffer);

class ConnectionImpl final : public Connection {
public:
    ConnectionImpl(const Tuple& t, const Config& cfg, Seq iss, Time now, SegmentSink& out);

    void open_active(Time now);
    void open_passive(const SegmentView& syn, Time now);
    void open_from_cookie(const SegmentView& ack, const CookieOptions& o, Time now);

    // Connection
    void on_segment(const SegmentView& seg, Time now) override;
    void on_timer(Time now) override;
    bool ack_owed() const override { return ack_owed_; }
    void flush_ack(Time now) override;
    std::optional<Time> next_deadline() const override;
    void on_icmp_error(bool hard, Time now) override;
    bool on_packet_too_big(Seq quoted_seq, std::uint32_t mtu, Time now) override;
    void on_path_mtu(std::uint32_t mtu, Time now) override;
    std::size_t send(base::Bytes data, Time now) override;
    std::size_t recv(base::MutBytes out, Time now) override;
    base::SplitBytes recv_view() const override { return rcvbuf_.view(); }
    std::size_t consume(std::size_t n, Time now) override;
    base::SplitMutBytes send_room(std::size_t max) override {
        return sndbuf_.room(std::min(max, writable()));
    }
    std::size_t commit(std::size_t n, Time now) override;
    bool accepts_new_syn(const SegmentView& syn) const override;
    std::size_t readable() const override;
    std::size_t writable() const override;
    std::size_t buffer_bytes() const override {
        return sndbuf_.allocated_bytes() + rcvbuf_.allocated_bytes() + tx_log_.bytes();
    }
    void trim_buffers() override;
    bool eof() const override;
    void shutdown_send(Time now) override;
    void close(Time now) override;
    void abort(Time now) override;
    std::uint32_t take_events() override;
    State state() const override { return state_; }
    Error error() const override { return error_; }
    const Tuple& tuple() const override { return tuple_; }
    const Stats& stats() const override { return stats_; }
    Info info() const override;
    std::uint32_t cwnd() const override { return cc_->cwnd(); }
    std::uint32_t ssthresh() const override { return cc_->ssthresh(); }
    Duration rto() const override { return rtt_.rto(); }
    std::uint16_t peer_mss() const override { return static_cast<std::uint16_t>(smss_); }
    Seq iss() const override { return iss_; }
    Seq irs() const override { return irs_; }
    void set_observer(Observer* o) override { observer_ = o; }

private:
    // --- input (connection_input.cpp) ---
    void on_syn_sent(const SegmentView& seg, Time now);
    void on_synchronized(const SegmentView& seg, Time now);
    // A segment on its way through RFC 9293 3.10.7.4's steps, which may trim
    // its text and strip its SYN and FIN. Each step returns false when the
    // segment goes no further.
    struct Arrival {
        Header h;
        base::Bytes payload;
        Seq seq;
    };
    bool check_sequence_number(Arrival& a, Time now);  // first
    void trim_to_window(Arrival& a) const;
    bool check_rst_bit(const Arrival& a, Time now);         // second
    bool check_syn_bit(const Arrival& a, Time now);         // fourth
    bool check_ack_field(const Arrival& a, Time now);       // fifth
    bool process_segment_text(const Arrival& a, Time now);  // seventh
    bool check_fin_bit(const Arrival& a, Time now);         // eighth
    bool acceptable(Seq seq, std::uint32_t len) const;
    bool on_ack(const SegmentView& seg, Time now);  // false: drop the segment
    void on_new_ack(const SegmentView& seg, Seq ack, Time now);
    void on_duplicate_ack(Time now);
    void enter_recovery(Time now);  // fast retransmit + recovery (RFC 5681 3.2, 6582, 6675)

    // --- loss detection with SACK (connection_recovery.cpp) ---
    // RFC 6675 IsLost: DupThresh (3) discontiguous SACKed blocks above `s`,
    // or more than (DupThresh - 1) * SMSS SACKed bytes above it.
    bool is_lost(Seq s) const;
    void on_delivered(const TxSegment& seg, Time now);  // RFC 8985 6.2 step 2
    void update_sacked(Time now);     // newly SACKed log entries are delivered
    void detect_losses(Time now);     // RACK (RFC 8985 6.2) + IsLost; may start recovery
    void arm_pto(Time now);           // RFC 8985 7.2
    void on_pto(Time now);            // RFC 8985 7.3: the tail loss probe
    void on_reorder_timer(Time now);  // RFC 8985 6.3
    void update_send_window(const Header& h);
    void on_text(Seq seq, base::Bytes payload, Time now);
    void on_fin_reached(Time now);
    void take_peer_options(const Options& o);
    void send_challenge_ack(Time now);

    // --- output (connection.cpp) ---
    // Sends whatever window, congestion and Nagle allow; ACKs if asked to.
    void output(Time now, bool force_ack = false);
    // One segment: [seq, seq+len) from the send buffer, plus flags.
    void send_segment(Seq seq, std::uint32_t len, std::uint8_t flags, Time now);
    // A pure ACK carries SND.MAX, not a rewound SND.NXT (after an RTO), so
    // that it stays acceptable to a peer that already has our data (as BSD).
    void send_ack(Time now) { send_segment(snd_max_, 0, flag::ACK, now); }
    void send_rst(Seq seq);
    void retransmit_first(Time now);
    bool retransmit_hole(Time now);  // RFC 6675 NextSeg rule 1 (SACK recovery)
    std::uint16_t window_to_advertise();  // moves rcv_adv_
    std::uint32_t window_to_advertise_preview() const;  // the field, unscaled; no side effect
    std::uint32_t in_flight() const;
    std::uint32_t max_payload() const;  // smss_ less the SACK option, if one goes out
    // The most new data one segment carries: max_payload(), or a whole
    // number of it on a path whose device segments (connection_pmtu.cpp).
    std::uint32_t send_size_goal(std::uint32_t mss) const;
    std::uint32_t send_window() const;

    // --- state changes and timers (connection_timers.cpp) ---
    void emit(TraceEvent e, Time now) {
        if (observer_) observer_->on_event(tuple_, e, now);
    }
    void note_congestion(Time now);  // emits Congestion if cwnd/ssthresh moved
    void set_state(State s);
    void enter_time_wait(Time now);
    void fail(Error e);
    void arm_rtx(Time now) { rtx_deadline_ = now + rtt_.rto(); }
    void on_rto(Time now);
    void on_persist(Time now);
    void on_keepalive(Time now);
    void schedule_ack(Time now, bool immediately);
    std::uint32_t ack_stretch_limit() const;

    // RFC 7323 5.4: a 1 ms TSval clock with a per-connection random offset
    // (the ISS serves: it is already unpredictable, RFC 6528).
    std::uint32_t ts_now(Time now) const {
        return static_cast<std::uint32_t>(now.count() / 1000) + iss_;
    }
    bool established_or_later() const;
    bool syn_unacked() const { return seq_le(snd_una_, iss_); }
    // Sequence number of the first byte in sndbuf_ (after the SYN).
    Seq data_base() const { return syn_unacked() ? iss_ + 1 : snd_una_; }
    Seq data_end() const { return data_base() + static_cast<std::uint32_t>(sndbuf_.size()); }
    bool fin_sent() const { return fin_queued_ && seq_gt(snd_max_, fin_seq_); }
    bool fin_acked() const { return fin_queued_ && seq_gt(snd_una_, fin_seq_); }
    std::uint32_t lost_bytes_not_resent() const;  // RFC 6675 IsLost, for pipe

    Tuple tuple_;
    Config cfg_;
    SegmentSink& out_;
    Observer* observer_ = nullptr;
    Time now_{0};  // the time of the call being handled, for events from deep inside
    std::uint32_t traced_cwnd_ = 0, traced_ssthresh_ = 0;
    State state_ = State::Closed;
    Error error_ = Error::None;
    std::uint32_t events_ = 0;
    Stats stats_;
    bool passive_ = false;

    // RFC 9293 3.3.1 send sequence variables
    Seq iss_ = 0;
    Seq snd_una_ = 0;
    Seq snd_nxt_ = 0;
    Seq snd_max_ = 0;          // highest sequence sent (snd_nxt rewinds after RTO)
    std::uint32_t snd_wnd_ = 0;  // scaled
    Seq snd_wl1_ = 0, snd_wl2_ = 0;
    std::uint32_t max_snd_wnd_ = 0;  // largest window the peer offered (SWS, RFC 5961 5.2)
    // receive sequence variables
    Seq irs_ = 0;
    Seq rcv_nxt_ = 0;
    Seq rcv_adv_ = 0;  // right edge of the window we advertised (never moves left)

    // negotiated options
    std::uint32_t smss_ = 536;  // RFC 9293 3.7.1 default when no MSS option
    std::uint32_t smss_max_ = 536;  // smss_ as negotiated, before Path MTU Discovery
    std::uint8_t snd_wscale_ = 0, rcv_wscale_ = 0;
    bool wscale_ok_ = false, sack_ok_ = false, ts_ok_ = false;
    std::uint32_t ts_recent_ = 0;  // RFC 7323 4.3

    // buffers: sndbuf_ holds [snd_una, snd_una + size) of payload (the SYN and
    // FIN take sequence space but no buffer bytes)
    RingBuffer sndbuf_;
    RingBuffer rcvbuf_;   // readable bytes, then out-of-order bytes ahead
    // The receive buffer in use (RCV.BUFF), which the window is offered
    // from: kRcvSpaceInitial at first, doubled up to rcvbuf_.capacity() when
    // the application reads about a whole window within one RTT.
    static constexpr std::uint32_t kRcvSpaceInitial = 64 * 1024;
    std::uint32_t rcv_space_;
    std::uint32_t rcvq_copied_ = 0;  // read since rcvq_start_
    Time rcvq_start_{0};
    void tune_rcv_space(std::size_t n, Time now);
    SeqRanges ooo_;       // out-of-order ranges held ahead of rcv_nxt
    SeqRanges sacked_;    // SACK scoreboard of what the peer holds above snd_una
    TxLog tx_log_;        // what is in flight and when it was sent (RFC 8985)
    bool fin_queued_ = false;   // the application shut down sending
    Seq fin_seq_ = 0;           // our FIN's sequence number, once queued
    bool fin_received_ = false;
    std::optional<Seq> peer_fin_seq_;  // a FIN seen ahead of rcv_nxt
    bool closed_by_app_ = false;

    // retransmission and congestion
    RttEstimator rtt_;
    std::unique_ptr<CongestionControl> cc_;
    std::optional<Time> rtx_deadline_;
    int retries_ = 0;
    std::optional<Seq> rtt_seq_;   // timing this sequence number (Karn)
    Time rtt_start_{0};
    std::uint32_t dupacks_ = 0;
    bool in_recovery_ = false;
    Seq recover_ = 0;          // RFC 6582 "recover"
    // RFC 8985 RACK: the most recently sent segment known delivered
    Time rack_xmit_{0};
    Seq rack_end_ = 0;
    Duration rack_rtt_{0};
    bool rack_valid_ = false;
    Duration min_rtt_{0};
    std::optional<Time> reorder_deadline_;  // RFC 8985 6.3
    std::optional<Time> pto_deadline_;      // RFC 8985 7 (tail loss probe)
    std::optional<Seq> tlp_end_;            // a probe is out, ending here
    Time last_send_{0};        // for RFC 5681 4.1 idle restart

    // persist (zero window probing), delayed ACK, keepalive, TIME-WAIT
    std::optional<Time> persist_deadline_;
    int persist_backoff_ = 0;
    std::optional<Time> ack_deadline_;
    std::uint32_t unacked_segs_ = 0;
    bool ack_owed_ = false;     // Config::ack_per_batch: flush_ack() has one to send
    Seq last_ack_sent_ = 0;     // RFC 7323 4.3 Last.ACK.sent
    std::optional<Time> keepalive_deadline_;
    int keepalive_sent_ = 0;
    std::optional<Time> time_wait_deadline_;

    // RFC 5961 7: challenge ACKs limited per connection per second
    Time challenge_window_start_{0};
    int challenge_count_ = 0;
};

}  // namespace tcp
