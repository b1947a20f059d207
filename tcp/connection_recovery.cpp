// Loss detection and recovery.
//
// Without SACK: NewReno (RFC 5681 3.2, RFC 6582): three duplicate ACKs start
// fast retransmit; partial ACKs resend the next hole (connection_input.cpp).
//
// With SACK (what every modern peer offers): the scoreboard of RFC 6675 and
// RACK-TLP of RFC 8985. Every data segment in flight is logged with the time
// it was last sent (tcp/tx_log.hpp). A segment is lost when a segment sent
// after it has been delivered and a reordering window has passed (RACK), or
// when DupThresh segments' worth of data above it is SACKed (RFC 6675 IsLost).
// When no ACK comes back at all, the tail loss probe (TLP) sends one segment
// after about two round trips, so that the ACK it draws lets RACK find the
// losses without waiting for the RTO.
#include <algorithm>

#include "base/log.hpp"
#include "tcp/connection_impl.hpp"

namespace tcp {

bool ConnectionImpl::is_lost(Seq s) const {
    std::size_t blocks_above = 0;
    for (std::size_t i = 0; i < sacked_.count(); ++i)
        if (seq_gt(sacked_[i].left, s)) ++blocks_above;
    return blocks_above >= 3 || sacked_.bytes_above(s) > 2 * smss_;
}

std::uint32_t ConnectionImpl::lost_bytes_not_resent() const {
    std::uint32_t lost = 0;
    for (std::size_t i = 0; i < tx_log_.size(); ++i) {
        const TxSegment& t = tx_log_[i];
        if (t.lost && !t.sacked) lost += t.end - t.start;
    }
    return lost;
}

void ConnectionImpl::on_delivered(const TxSegment& seg, Time now) {
    // RFC 8985 6.2 step 2: RACK follows the most recently *sent* segment
    // that is known delivered. A retransmitted segment acknowledged sooner
    // than the minimum RTT was the original's delivery: skip it.
    if (seg.retransmitted && min_rtt_.count() > 0 && now - seg.xmit < min_rtt_) return;
    if (!rack_valid_ || seg.xmit > rack_xmit_ ||
        (seg.xmit == rack_xmit_ && seq_gt(seg.end, rack_end_))) {
        rack_xmit_ = seg.xmit;
        rack_end_ = seg.end;
        rack_rtt_ = now - seg.xmit;
        rack_valid_ = true;
    }
}

void ConnectionImpl::update_sacked(Time now) {
    if (sacked_.empty()) return;
    for (std::size_t i = 0; i < tx_log_.size(); ++i) {
        TxSegment& t = tx_log_[i];
        if (t.sacked || !seq_ge(sacked_.covered_until(t.start), t.end)) continue;
        t.sacked = true;
        t.lost = false;
        on_delivered(t, now);
    }
}

void ConnectionImpl::detect_losses(Time now) {
    if (!sack_ok_ || !established_or_later()) return;
    // RFC 8985 6.2 step 4: a reordering window of a quarter of the minimum
    // RTT (never more than SRTT) before a segment overtaken is called lost.
    Duration reo_wnd = min_rtt_ / 4;
    if (rtt_.has_sample()) reo_wnd = std::min(reo_wnd, rtt_.srtt());
    reorder_deadline_.reset();
    bool newly_lost = false;
    std::optional<Seq> first_lost;
    // Nothing SACKed: the DupThresh rule finds nothing, and only RACK can.
    const bool dupthresh = sacked_.count() > 0;
    for (std::size_t i = 0; i < tx_log_.size(); ++i) {
        TxSegment& t = tx_log_[i];
        if (t.sacked || t.lost) continue;
        bool lost = false;
        const bool sent_before = rack_valid_ && (t.xmit < rack_xmit_ ||
                                                 (t.xmit == rack_xmit_ && seq_lt(t.end, rack_end_)));
        // Every entry after one sent only once went out no earlier than it
        // (new data is appended in time order; a resend only moves a time
        // later): none of them was sent before the delivered one either.
        if (!sent_before && !t.retransmitted && !dupthresh) break;
        if (sent_before) {
            // RFC 8985 6.2 step 5
            const Time due = t.xmit + rack_rtt_ + reo_wnd;
            if (now >= due) lost = true;
            else if (!reorder_deadline_ || due < *reorder_deadline_) reorder_deadline_ = due;
        }
        // RFC 6675 NextSeg rule 1: the DupThresh rule, for data not yet
        // retransmitted (a lost retransmission is RACK's to find, by time).
        if (!lost && !t.retransmitted && is_lost(t.start)) lost = true;
        if (lost) {
            t.lost = true;
            newly_lost = true;
            if (!first_lost) first_lost = t.start;
        }
    }
    if (!newly_lost) return;
    emit({.kind = TraceEvent::Kind::RackLoss, .seq = *first_lost - iss_}, now);
    if (!in_recovery_) enter_recovery(now);
}

bool ConnectionImpl::retransmit_hole(Time now) {
    // RFC 6675 NextSeg rule 1: the first segment deemed lost and not SACKed,
    // sent again whole (in several segments if SACK options now shrink the
    // payload).
    for (std::size_t i = 0; i < tx_log_.size(); ++i) {
        const TxSegment t = tx_log_[i];
        if (!t.lost || t.sacked) continue;
        const Seq end = seq_min(t.end, data_end());
        for (Seq s = seq_max(t.start, snd_una_); seq_lt(s, end);) {
            const std::uint32_t n = std::min<std::uint32_t>(end - s, max_payload());
            send_segment(s, n, flag::ACK, now);  // clears t.lost (TxLog::on_send)
            s += n;
        }
        return true;
    }
    return false;
}

void ConnectionImpl::enter_recovery(Time now) {
    const std::uint32_t flight = snd_max_ - snd_una_;
    recover_ = snd_max_;
    in_recovery_ = true;
    cc_->on_fast_retransmit(flight, now);
    ++stats_.fast_retransmits;
    LOG(tcp, info) << "fast retransmit at seq " << snd_una_ - iss_ << ", ssthresh "
                   << cc_->ssthresh() << ", cwnd " << cc_->cwnd();
    emit({.kind = TraceEvent::Kind::FastRetransmit, .seq = snd_una_ - iss_}, now);
    pto_deadline_.reset();
    if (sack_ok_) {
        // The holes go out from output() as the pipe allows (RFC 6675 5).
        // The first one at least goes now (RFC 6675 5 step 4.3).
        if (!retransmit_hole(now)) retransmit_first(now);
    } else {
        retransmit_first(now);
        // RFC 5681 3.2 step 3: cwnd = ssthresh + 3*SMSS.
        cc_->set_cwnd(cc_->ssthresh() + 3 * smss_);
    }
    note_congestion(now);
}

void ConnectionImpl::arm_pto(Time now) {
    // RFC 8985 7.2: a probe timeout of two round trips, plus the peer's
    // worst-case delayed ACK when only one segment is out; only outside
    // recovery, only with SACK, one probe at a time, and never later than
    // the RTO would fire.
    pto_deadline_.reset();
    if (!sack_ok_ || in_recovery_ || tlp_end_ || snd_max_ == snd_una_ || !rtt_.has_sample() ||
        !established_or_later())
        return;
    Duration pto = std::max<Duration>(2 * rtt_.srtt(), 10ms);
    if (snd_max_ - snd_una_ <= smss_) pto += 200ms;  // WCDelAckT
    const Time at = now + pto;
    if (rtx_deadline_ && at >= *rtx_deadline_) return;
    pto_deadline_ = at;
}

void ConnectionImpl::on_pto(Time now) {
    pto_deadline_.reset();
    if (in_recovery_ || snd_max_ == snd_una_ || !established_or_later()) return;
    // RFC 8985 7.3: send one new segment if the peer's window allows, else
    // the last segment again; either way its ACK tells RACK what was lost.
    const std::uint32_t avail = seq_lt(snd_nxt_, data_end()) ? data_end() - snd_nxt_ : 0;
    const std::uint32_t peer_room =
        seq_lt(snd_nxt_, snd_una_ + snd_wnd_) ? snd_una_ + snd_wnd_ - snd_nxt_ : 0;
    Seq probe;
    if (avail && peer_room && snd_nxt_ == snd_max_) {
        const std::uint32_t len = std::min({avail, peer_room, max_payload()});
        probe = snd_nxt_;
        send_segment(snd_nxt_, len, flag::ACK | flag::PSH, now);
        snd_nxt_ += len;
        snd_max_ = seq_max(snd_max_, snd_nxt_);
    } else {
        const Seq data_last = seq_min(snd_max_, data_end());
        const std::uint32_t out = seq_gt(data_last, snd_una_) ? data_last - snd_una_ : 0;
        const std::uint32_t len = std::min(out, max_payload());
        probe = data_last - len;
        std::uint8_t flags = flag::ACK;
        if (fin_sent() && data_last == fin_seq_) flags |= flag::FIN;
        if (len == 0 && !(flags & flag::FIN)) return;
        send_segment(probe, len, flags, now);
    }
    tlp_end_ = snd_max_;
    ++stats_.tail_loss_probes;
    LOG(tcp, debug) << "tail loss probe at seq " << probe - iss_;
    emit({.kind = TraceEvent::Kind::TailLossProbe, .seq = probe - iss_}, now);
    arm_rtx(now);  // RFC 8985 7.3: the RTO follows the probe
}

void ConnectionImpl::on_reorder_timer(Time now) {
    reorder_deadline_.reset();
    detect_losses(now);
    if (in_recovery_) output(now);
}

}  // namespace tcp
