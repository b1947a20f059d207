// Timers and state changes: RFC 6298 retransmission with backoff and a retry
// limit, the persist timer (zero-window probes), delayed ACKs (RFC 1122
// 4.2.3.2), keepalive (RFC 1122 4.2.3.6) and TIME-WAIT (2*MSL).
#include <algorithm>

#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "tcp/connection_impl.hpp"

namespace tcp {

std::string_view to_string(TraceEvent::Kind k) {
    using K = TraceEvent::Kind;
    switch (k) {
        case K::StateChange: return "state";
        case K::RtoFired: return "rto";
        case K::FastRetransmit: return "fast-retransmit";
        case K::DupAck: return "dup-ack";
        case K::Recovery: return "recovery-done";
        case K::ZeroWindow: return "zero-window";
        case K::WindowProbe: return "window-probe";
        case K::DelayedAck: return "delayed-ack";
        case K::Congestion: return "congestion";
        case K::TimeWaitExpired: return "time-wait-expired";
        case K::TimeWaitRstIgnored: return "time-wait-rst-ignored";
        case K::ChallengeAck: return "challenge-ack";
        case K::TailLossProbe: return "tail-loss-probe";
        case K::RackLoss: return "rack-loss";
        case K::Sample: return "sample";
    }
    return "?";
}

void ConnectionImpl::note_congestion(Time now) {
    const std::uint32_t c = cc_->cwnd(), t = cc_->ssthresh();
    if (observer_)
        emit({.kind = TraceEvent::Kind::Sample,
              .value = c,
              .value2 = t,
              .flight = in_flight(),
              .rto_us = static_cast<std::uint32_t>(
                  std::min<std::int64_t>(rtt_.rto().count(), 0xffffffff))},
             now);
    const std::uint32_t moved = c > traced_cwnd_ ? c - traced_cwnd_ : traced_cwnd_ - c;
    if (moved < smss_ && t == traced_ssthresh_) return;
    traced_cwnd_ = c;
    traced_ssthresh_ = t;
    emit({.kind = TraceEvent::Kind::Congestion, .value = c, .value2 = t}, now);
}

void ConnectionImpl::set_state(State s) {
    if (s == state_) return;
    LOG(tcp, info) << ip::addr_to_string(tuple_.local_ip) << ':' << tuple_.local_port << " <-> "
                   << ip::addr_to_string(tuple_.remote_ip) << ':' << tuple_.remote_port << ' '
                   << to_string(state_) << " -> " << to_string(s);
    emit({.kind = TraceEvent::Kind::StateChange, .from = state_, .to = s}, now_);
    state_ = s;
    if (s == State::Closed) {
        rtx_deadline_.reset();
        persist_deadline_.reset();
        ack_deadline_.reset();
        keepalive_deadline_.reset();
        time_wait_deadline_.reset();
        pto_deadline_.reset();
        reorder_deadline_.reset();
        events_ |= event::Closed | event::Readable | event::Writable;
    }
}

void ConnectionImpl::fail(Error e) {
    if (error_ == Error::None) error_ = e;
    events_ |= event::Error;
    set_state(State::Closed);
}

void ConnectionImpl::enter_time_wait(Time now) {
    // RFC 9293 3.10.7.4: TIME-WAIT holds the tuple for 2*MSL so that old
    // duplicates die out and a lost final ACK can be resent.
    set_state(State::TimeWait);
    rtx_deadline_.reset();
    persist_deadline_.reset();
    keepalive_deadline_.reset();
    pto_deadline_.reset();
    reorder_deadline_.reset();
    time_wait_deadline_ = now + 2 * cfg_.msl;
}

void ConnectionImpl::schedule_ack(Time now, bool immediately) {
    // RFC 1122 4.2.3.2 / RFC 5681 4.2: ACK at least every second full-sized
    // segment, and never delay more than 0.5 s (we use cfg_.delayed_ack).
    ++unacked_segs_;
    if (immediately) {
        send_ack(now);
        return;
    }
    if (unacked_segs_ >= 2) {
        // With ack_per_batch the ACK this segment earns waits for the end of
        // the receive batch (flush_ack), as Linux's does after GRO merged the
        // batch: one cumulative ACK for it. The stretch is bounded so the
        // sender never runs out of window waiting for it.
        if (!cfg_.ack_per_batch || rcv_nxt_ - last_ack_sent_ >= ack_stretch_limit()) {
            send_ack(now);
            return;
        }
        ack_owed_ = true;
    }
    // The timer stays the fallback: an owner that never ends a batch still
    // gets its ACK out within cfg_.delayed_ack.
    if (!ack_deadline_) ack_deadline_ = now + cfg_.delayed_ack;
}

std::uint32_t ConnectionImpl::ack_stretch_limit() const {
    // A quarter of the receive buffer in use, at most 64 KiB (Linux's GRO
    // aggregate) and at least two segments (RFC 1122 4.2.3.2's rule).
    return std::max<std::uint32_t>(std::min<std::uint32_t>(rcv_space_ / 4, 64 * 1024), 2u * cfg_.mss);
}

void ConnectionImpl::flush_ack(Time now) {
    if (!ack_owed_) return;
    ack_owed_ = false;
    if (state_ == State::Closed) return;
    ++stats_.batch_acks;
    send_ack(now);
}

std::optional<Time> ConnectionImpl::next_deadline() const {
    std::optional<Time> t;
    for (const auto& d : {rtx_deadline_, persist_deadline_, ack_deadline_, keepalive_deadline_,
                          time_wait_deadline_, pto_deadline_, reorder_deadline_})
        if (d && (!t || *d < *t)) t = d;
    return t;
}

void ConnectionImpl::on_timer(Time now) {
    now_ = now;
    if (time_wait_deadline_ && now >= *time_wait_deadline_) {
        time_wait_deadline_.reset();
        LOG(tcp, info) << "TIME-WAIT expired";
        emit({.kind = TraceEvent::Kind::TimeWaitExpired}, now);
        set_state(State::Closed);
        return;
    }
    if (ack_deadline_ && now >= *ack_deadline_) {
        ++stats_.delayed_acks;
        LOG(tcp, debug) << "delayed ACK sent";
        emit({.kind = TraceEvent::Kind::DelayedAck}, now);
        send_ack(now);
    }
    if (reorder_deadline_ && now >= *reorder_deadline_) on_reorder_timer(now);
    if (pto_deadline_ && now >= *pto_deadline_) on_pto(now);
    if (rtx_deadline_ && now >= *rtx_deadline_) on_rto(now);
    if (persist_deadline_ && now >= *persist_deadline_) on_persist(now);
    if (keepalive_deadline_ && now >= *keepalive_deadline_) on_keepalive(now);
}

void ConnectionImpl::on_rto(Time now) {
    rtx_deadline_.reset();
    if (state_ == State::Closed || state_ == State::TimeWait) return;
    if (snd_una_ == snd_max_) return;  // nothing outstanding
    // Give up after the retry limit: the application sees "timed out".
    const int limit = (state_ == State::SynSent || state_ == State::SynReceived)
                          ? cfg_.syn_retries
                          : cfg_.max_retries;
    if (retries_ >= limit) {
        LOG(tcp, info) << "giving up after " << retries_ << " retransmissions";
        if (established_or_later()) send_rst(snd_nxt_);
        fail(Error::TimedOut);
        return;
    }
    ++retries_;
    ++stats_.rto_timeouts;
    LOG(tcp, debug) << "RTO: outstanding " << snd_max_ - snd_una_ << " bytes from seq "
                    << snd_una_ - iss_ << ", SACKed " << sacked_.bytes() << " in "
                    << sacked_.count() << " blocks, " << (in_recovery_ ? "in" : "not in")
                    << " recovery, snd_wnd " << snd_wnd_ << ", cwnd " << cc_->cwnd();
    // RFC 5681 3.1 eq. 4 and the loss window; RFC 6582: recover = highest sent.
    if (established_or_later()) cc_->on_rto(snd_max_ - snd_una_, now);
    recover_ = snd_max_;
    in_recovery_ = false;
    dupacks_ = 0;
    // RFC 2018 8 / RFC 6675 5.1: after an RTO the receiver may have reneged;
    // forget the scoreboard and resend from SND.UNA (go-back-N).
    sacked_.clear();
    for (std::size_t i = 0; i < tx_log_.size(); ++i) tx_log_[i].sacked = tx_log_[i].lost = false;
    pto_deadline_.reset();
    reorder_deadline_.reset();
    tlp_end_.reset();
    snd_nxt_ = snd_una_;
    rtt_seq_.reset();  // Karn: no sample from a retransmitted segment
    rtt_.backoff();    // RFC 6298 5.5
    LOG(tcp, info) << "RTO fired (retry " << retries_ << "), backoff to "
                   << rtt_.rto().count() / 1000 << " ms, cwnd " << cc_->cwnd() << ", ssthresh "
                   << cc_->ssthresh();
    emit({.kind = TraceEvent::Kind::RtoFired,
          .value = static_cast<std::uint64_t>(rtt_.rto().count() / 1000),
          .count = static_cast<std::uint32_t>(retries_)},
         now);
    note_congestion(now);
    retransmit_first(now);  // 5.4; SND.NXT then follows what it sent
    arm_rtx(now);           // 5.6, with the backed-off RTO
}

void ConnectionImpl::on_persist(Time now) {
    persist_deadline_.reset();
    if (snd_wnd_ != 0 || !established_or_later()) return;
    // RFC 9293 3.8.6.1: probe a zero window with one byte of new data (or
    // resend the probe byte); the reply carries the current window.
    ++stats_.zero_window_probes;
    emit({.kind = TraceEvent::Kind::WindowProbe, .seq = snd_una_ - iss_}, now);
    if (seq_lt(snd_nxt_, data_end())) {
        if (snd_nxt_ == snd_una_) {
            send_segment(snd_nxt_, 1, flag::ACK, now);
            snd_nxt_ += 1;
            snd_max_ = seq_max(snd_max_, snd_nxt_);
        } else {
            send_segment(snd_una_, 1, flag::ACK, now);
        }
    } else if (snd_una_ != snd_max_) {
        send_segment(snd_una_, std::min<std::uint32_t>(1, data_end() - snd_una_), flag::ACK, now);
    } else {
        return;
    }
    // The probe is not timed by the RTO (RFC 1122 4.2.2.17: probing goes on
    // as long as the peer answers); back off exponentially to rto_max.
    rtx_deadline_.reset();
    persist_backoff_ = std::min(persist_backoff_ + 1, 16);
    Duration d = rtt_.rto();
    for (int i = 0; i < persist_backoff_ && d < cfg_.rto_max; ++i) d *= 2;
    persist_deadline_ = now + std::min(d, cfg_.rto_max);
    LOG(tcp, debug) << "zero-window probe, next in " << std::min(d, cfg_.rto_max).count() / 1000
                    << " ms";
}

void ConnectionImpl::on_keepalive(Time now) {
    keepalive_deadline_.reset();
    if (!cfg_.keepalive || !established_or_later() || state_ == State::TimeWait) return;
    if (keepalive_sent_ >= cfg_.keepalive_probes) {
        LOG(tcp, info) << "keepalive: no answer to " << keepalive_sent_ << " probes";
        fail(Error::TimedOut);
        return;
    }
    // RFC 1122 4.2.3.6: a probe is <SEQ=SND.NXT-1> with no data, which the
    // peer must answer with an ACK.
    ++keepalive_sent_;
    ++stats_.keepalive_probes;
    send_segment(snd_nxt_ - 1, 0, flag::ACK, now);
    keepalive_deadline_ = now + cfg_.keepalive_interval;
}

void ConnectionImpl::on_icmp_error(bool hard, Time now) {
    (void)now;
    // RFC 1122 4.2.3.9: a hard error (port/protocol unreachable...) aborts a
    // connection that is still opening; soft errors are only noted.
    if (hard && (state_ == State::SynSent || state_ == State::SynReceived)) {
        fail(Error::Unreachable);
        return;
    }
    LOG(tcp, debug) << "ICMP " << (hard ? "hard" : "soft") << " error noted";
}

}  // namespace tcp
