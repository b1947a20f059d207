// Segment arrival, following RFC 9293 3.10.7 step by step, with the RFC 5961
// defences against blind attacks and the RFC 7323 timestamp rules.
#include <algorithm>

#include "base/log.hpp"
#include "tcp/connection_impl.hpp"

namespace tcp {

void ConnectionImpl::take_peer_options(const Options& o) {
    // RFC 9293 3.7.1: without an MSS option the peer takes 536.
    const std::uint32_t peer_mss = o.mss ? std::max<std::uint16_t>(*o.mss, 64) : 536;
    // Each option is on only if both sides asked for it; a SYN-ACK can only
    // confirm what our SYN offered.
    wscale_ok_ = cfg_.window_scale && o.wscale.has_value();
    if (wscale_ok_) {
        // RFC 7323 2.3: a shift above 14 is used as 14.
        snd_wscale_ = std::min<std::uint8_t>(*o.wscale, 14);
    } else {
        snd_wscale_ = 0;
        rcv_wscale_ = 0;
    }
    sack_ok_ = cfg_.sack && o.sack_permitted;
    ts_ok_ = cfg_.timestamps && o.timestamps.has_value();
    if (ts_ok_) ts_recent_ = o.timestamps->val;
    // RFC 6691: the MSS counts no options; timestamps take 12 bytes of it.
    smss_ = std::min<std::uint32_t>(peer_mss, cfg_.mss) - (ts_ok_ ? 12 : 0);
    smss_max_ = smss_;
    cc_ = make_congestion_control(cfg_.congestion, smss_);
    if (!cc_) cc_ = make_congestion_control("newreno", smss_);
    LOG(tcp, debug) << "options: mss " << smss_ << (wscale_ok_ ? " wscale on" : "")
                    << (sack_ok_ ? " sack on" : "") << (ts_ok_ ? " timestamps on" : "");
}

void ConnectionImpl::on_segment(const SegmentView& seg, Time now) {
    now_ = now;
    ++stats_.segs_in;
    keepalive_sent_ = 0;
    if (cfg_.keepalive) keepalive_deadline_ = now + cfg_.keepalive_idle;
    if (LOG_ENABLED(tcp, debug)) {
        const Header& h = seg.header;
        LOG(tcp, debug) << "< [" << flags_to_string(h.flags) << "] seq " << h.seq - irs_ << " ack "
                        << h.ack - iss_ << " win " << h.window << " len " << seg.payload.size()
                        << " in " << to_string(state_);
    }
    switch (state_) {
        case State::Closed:
        case State::Listen:
            return;  // the stack answers segments for no connection
        case State::SynSent:
            on_syn_sent(seg, now);
            return;
        default:
            on_synchronized(seg, now);
            return;
    }
}

void ConnectionImpl::on_syn_sent(const SegmentView& seg, Time now) {
    const Header& h = seg.header;
    // RFC 9293 3.10.7.3, first: an ACK that does not acknowledge our SYN
    // (SEG.ACK =< ISS or > SND.NXT) gets <SEQ=SEG.ACK><CTL=RST>, unless it is
    // itself a reset.
    const bool ack_ok = h.has(flag::ACK) && seq_in_left_open(h.ack, iss_, snd_max_);
    if (h.has(flag::ACK) && !ack_ok) {
        if (!h.has(flag::RST)) send_rst(h.ack);
        return;
    }
    // second: an RST is acceptable only with an acceptable ACK (RFC 5961 3.2)
    if (h.has(flag::RST)) {
        if (ack_ok) {
            LOG(tcp, info) << "connection refused (RST in SYN-SENT)";
            fail(Error::Refused);
        }
        return;
    }
    // fourth: the SYN
    if (!h.has(flag::SYN)) return;
    irs_ = h.seq;
    rcv_nxt_ = rcv_adv_ = last_ack_sent_ = h.seq + 1;
    take_peer_options(h.options);
    snd_wnd_ = h.window;  // RFC 7323 2.2: not scaled in a SYN
    max_snd_wnd_ = snd_wnd_;
    snd_wl1_ = h.seq;
    snd_wl2_ = h.ack;
    if (ack_ok) {
        snd_una_ = h.ack;
        // The SYN was timed when sent; Karn: only if it was not retransmitted.
        if (rtt_seq_ && seq_ge(h.ack, *rtt_seq_) && retries_ == 0) rtt_.sample(now - rtt_start_);
        rtt_seq_.reset();
        rtx_deadline_.reset();
        retries_ = 0;
        set_state(State::Established);
        events_ |= event::Established | event::Writable;
        // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with any data queued meanwhile.
        // Data carried by the SYN-ACK is taken like any other text.
        if (!seg.payload.empty()) on_text(h.seq + 1, seg.payload, now);
        if (h.has(flag::FIN) &&
            h.seq + 1 + static_cast<std::uint32_t>(seg.payload.size()) == rcv_nxt_)
            on_fin_reached(now);
        output(now, /*force_ack=*/true);
        return;
    }
    // Simultaneous open (RFC 9293 3.5 figure 8): SYN-RECEIVED, send SYN,ACK.
    set_state(State::SynReceived);
    send_segment(iss_, 0, flag::SYN | flag::ACK, now);
}

bool ConnectionImpl::acceptable(Seq seq, std::uint32_t len) const {
    // RFC 9293 3.10.7.4, the four cases of the acceptability test.
    const std::uint32_t wnd = seq_gt(rcv_adv_, rcv_nxt_) ? rcv_adv_ - rcv_nxt_ : 0;
    if (len == 0 && wnd == 0) return seq == rcv_nxt_;
    if (len == 0) return seq_in(seq, rcv_nxt_, rcv_nxt_ + wnd);
    if (wnd == 0) return false;
    return seq_in(seq, rcv_nxt_, rcv_nxt_ + wnd) ||
           seq_in(seq + len - 1, rcv_nxt_, rcv_nxt_ + wnd);
}

void ConnectionImpl::send_challenge_ack(Time now) {
    // RFC 5961 7: rate-limit challenge ACKs. Per connection, not per host, so
    // the limit itself leaks nothing across connections (CVE-2016-5696).
    constexpr int kPerSecond = 10;
    if (now - challenge_window_start_ >= 1s) {
        challenge_window_start_ = now;
        challenge_count_ = 0;
    }
    if (challenge_count_ >= kPerSecond) return;
    ++challenge_count_;
    ++stats_.challenge_acks;
    LOG(tcp, debug) << "challenge ACK (RFC 5961)";
    emit({.kind = TraceEvent::Kind::ChallengeAck}, now);
    send_ack(now);
}

void ConnectionImpl::on_synchronized(const SegmentView& seg, Time now) {
    // RFC 9293 3.10.7.4, the steps in order, each of which may end the
    // segment's way. The third (check security) has nothing to compare: we
    // send no IP security option. The sixth (check the URG bit) is not
    // implemented: RFC 6093 advises new code not to use it, so urgent data is
    // read inline.
    Arrival a{seg.header, seg.payload, seg.header.seq};
    if (!check_sequence_number(a, now) || !check_rst_bit(a, now) || !check_syn_bit(a, now) ||
        !check_ack_field(a, now) || !process_segment_text(a, now) || !check_fin_bit(a, now))
        return;
    // Whatever the ACK opened (window, cwnd) may let data out.
    output(now);
}

// RFC 9293 3.10.7.4 first: check the sequence number, after the SYN-RECEIVED
// special cases and RFC 7323's PAWS test; trims the segment to the window.
bool ConnectionImpl::check_sequence_number(Arrival& a, Time now) {
    Header& h = a.h;
    // SYN-RECEIVED, a retransmitted SYN from the peer: our SYN-ACK was lost.
    if (state_ == State::SynReceived && h.has(flag::SYN) && !h.has(flag::ACK) && a.seq == irs_ &&
        !h.has(flag::RST)) {
        retransmit_first(now);
        return false;
    }
    // Simultaneous open: the peer's SYN,ACK in SYN-RECEIVED carries the SYN we
    // already took; strip it and go on with the ACK (as Linux does).
    if (state_ == State::SynReceived && h.has(flag::SYN) && h.has(flag::ACK) && a.seq == irs_) {
        h.flags &= static_cast<std::uint8_t>(~flag::SYN);
        ++a.seq;
    }

    const std::uint32_t seg_len = static_cast<std::uint32_t>(a.payload.size()) +
                                  (h.has(flag::SYN) ? 1 : 0) + (h.has(flag::FIN) ? 1 : 0);

    // RFC 7323 5.3 PAWS: a segment whose TSval is older than TS.Recent is an
    // old duplicate; ACK it and drop it. An RST is exempt (RFC 7323 5.3 R1).
    const auto& ts = h.options.timestamps;
    if (ts_ok_ && ts && !h.has(flag::RST) && seq_lt(ts->val, ts_recent_)) {
        ++stats_.unacceptable_in;
        send_ack(now);
        return false;
    }

    if (!acceptable(a.seq, seg_len)) {
        // RFC 9293 3.10.7.4: with a zero window, ACKs, URGs and RSTs are still
        // processed; the text is dropped.
        const bool zero_wnd_at_edge = a.seq == rcv_nxt_ && !seq_gt(rcv_adv_, rcv_nxt_);
        if (!zero_wnd_at_edge) {
            ++stats_.unacceptable_in;
            if (seg_len && seq_le(a.seq + seg_len, rcv_nxt_))
                ++stats_.duplicate_in;
            if (!h.has(flag::RST)) send_ack(now);
            if (state_ == State::TimeWait && h.has(flag::FIN)) enter_time_wait(now);
            return false;
        }
        a.payload = {};
        h.flags &= static_cast<std::uint8_t>(~(flag::SYN | flag::FIN));
        if (!h.has(flag::RST)) send_ack(now);  // tell the sender the window is still shut
    }

    trim_to_window(a);

    // RFC 7323 4.3 (2): remember the peer's TSval only if SEG.SEQ =<
    // Last.ACK.sent, so that a delayed (or stretched) ACK echoes the
    // earliest segment it acknowledges, and the sender's RTT sample includes
    // the delay.
    if (ts_ok_ && ts && seq_le(a.seq, last_ack_sent_) && !h.has(flag::RST)) ts_recent_ = ts->val;
    return true;
}

// Trim what lies before RCV.NXT (already received) and beyond the window.
void ConnectionImpl::trim_to_window(Arrival& a) const {
    Header& h = a.h;
    if (seq_lt(a.seq, rcv_nxt_)) {
        std::uint32_t skip = rcv_nxt_ - a.seq;
        if (h.has(flag::SYN)) {
            h.flags &= static_cast<std::uint8_t>(~flag::SYN);
            --skip;
            ++a.seq;
        }
        skip = std::min<std::uint32_t>(skip, static_cast<std::uint32_t>(a.payload.size()));
        a.payload = a.payload.subspan(skip);
        a.seq += skip;
    }
    const std::uint32_t wnd = seq_gt(rcv_adv_, rcv_nxt_) ? rcv_adv_ - rcv_nxt_ : 0;
    const Seq wnd_end = rcv_nxt_ + wnd;
    if (seq_gt(a.seq + static_cast<std::uint32_t>(a.payload.size()), wnd_end)) {
        const std::uint32_t keep = seq_lt(a.seq, wnd_end) ? wnd_end - a.seq : 0;
        a.payload = a.payload.first(std::min<std::size_t>(keep, a.payload.size()));
        h.flags &= static_cast<std::uint8_t>(~flag::FIN);  // the FIN lies beyond too
    }
}

// RFC 9293 3.10.7.4 second: check the RST bit. RFC 5961 3.2: only an exact
// match resets; an in-window one draws a challenge ACK.
bool ConnectionImpl::check_rst_bit(const Arrival& a, Time now) {
    if (!a.h.has(flag::RST)) return true;
    if (a.seq != rcv_nxt_) {
        send_challenge_ack(now);
        return false;
    }
    switch (state_) {
        case State::SynReceived:
            LOG(tcp, info) << "reset in SYN-RECEIVED";
            fail(passive_ ? Error::Reset : Error::Refused);
            break;
        case State::TimeWait:
            // RFC 1337 4 ("TIME-WAIT Assassination"), fix (1): ignore an RST
            // in TIME-WAIT, so the 2*MSL wait that keeps old duplicates out
            // of a new incarnation of the connection runs its course.
            LOG(tcp, debug) << "RST ignored in TIME-WAIT (RFC 1337)";
            emit({.kind = TraceEvent::Kind::TimeWaitRstIgnored}, now);
            break;
        case State::Closing:
        case State::LastAck:
            set_state(State::Closed);
            events_ |= event::Closed;
            break;
        default:
            LOG(tcp, info) << "connection reset by peer";
            fail(Error::Reset);
            break;
    }
    return false;
}

bool ConnectionImpl::accepts_new_syn(const SegmentView& syn) const {
    const Header& h = syn.header;
    if (state_ != State::TimeWait || !h.has(flag::SYN) || h.has(flag::ACK) || h.has(flag::RST))
        return false;
    // RFC 6191 2: timestamps, when both sides used them, decide.
    if (ts_ok_ && h.options.timestamps) return seq_gt(h.options.timestamps->val, ts_recent_);
    return seq_gt(h.seq, rcv_nxt_);
}

// RFC 9293 3.10.7.4 fourth: check the SYN bit. A SYN in a synchronized
// state draws a challenge ACK (RFC 5961 4.2).
bool ConnectionImpl::check_syn_bit(const Arrival& a, Time now) {
    if (!a.h.has(flag::SYN)) return true;
    send_challenge_ack(now);
    return false;
}

// RFC 9293 3.10.7.4 fifth: check the ACK field; without ACK the segment is
// dropped.
bool ConnectionImpl::check_ack_field(const Arrival& a, Time now) {
    if (!a.h.has(flag::ACK)) return false;
    if (!on_ack(SegmentView{a.h, a.payload}, now)) return false;
    return state_ != State::Closed;
}

// RFC 9293 3.10.7.4 seventh: process the segment text.
bool ConnectionImpl::process_segment_text(const Arrival& a, Time now) {
    if (a.payload.empty()) return true;
    if (closed_by_app_) {
        // The application closed and will never read this: reset, as Linux
        // does, so the peer does not believe it was delivered (RFC 2525 2.17).
        abort(now);
        return false;
    }
    switch (state_) {
        case State::Established:
        case State::FinWait1:
        case State::FinWait2:
            on_text(a.seq, a.payload, now);
            break;
        default:
            break;  // after the peer's FIN: ignore
    }
    return true;
}

// RFC 9293 3.10.7.4 eighth: check the FIN bit. A FIN ahead of RCV.NXT is
// held until the gap fills.
bool ConnectionImpl::check_fin_bit(const Arrival& a, Time now) {
    if (!a.h.has(flag::FIN)) return true;
    const Seq fin_seq = a.seq + static_cast<std::uint32_t>(a.payload.size());
    if (state_ == State::TimeWait) {  // a retransmitted FIN: ACK, restart 2MSL
        send_ack(now);
        enter_time_wait(now);
        return false;
    }
    if (!fin_received_) {
        peer_fin_seq_ = fin_seq;
        if (fin_seq == rcv_nxt_) on_fin_reached(now);
        else send_ack(now);  // out of order: immediate (duplicate) ACK
    } else {
        send_ack(now);
    }
    return true;
}

bool ConnectionImpl::on_ack(const SegmentView& seg, Time now) {
    const Header& h = seg.header;
    if (state_ == State::SynReceived) {
        // RFC 9293 3.10.7.4 fifth, SYN-RECEIVED: SND.UNA < SEG.ACK =< SND.NXT
        // completes the handshake; otherwise <SEQ=SEG.ACK><CTL=RST>.
        if (!seq_in_left_open(h.ack, snd_una_, snd_max_)) {
            send_rst(h.ack);
            return false;
        }
        snd_wnd_ = static_cast<std::uint32_t>(h.window) << snd_wscale_;
        max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
        snd_wl1_ = h.seq;
        snd_wl2_ = h.ack;
        set_state(State::Established);
        events_ |= event::Established | event::Writable;
    }
    // RFC 5961 5.2: acceptable only if SND.UNA - MAX.SND.WND =< SEG.ACK =<
    // SND.NXT; otherwise a (challenge) ACK and drop.
    if (seq_gt(h.ack, snd_max_)) {
        send_challenge_ack(now);
        return false;
    }
    if (seq_lt(h.ack, snd_una_ - max_snd_wnd_)) {
        send_challenge_ack(now);
        return false;
    }
    // RFC 6675 5: every ACK updates the SACK scoreboard first. Only blocks
    // inside what we sent and above SND.UNA make sense (RFC 2018).
    const std::uint32_t sacked_before = sacked_.bytes();
    if (sack_ok_) {
        for (std::size_t i = 0; i < h.options.sack_count; ++i) {
            const auto& b = h.options.sack[i];
            if (seq_lt(b.left, b.right) && seq_ge(b.left, snd_una_) && seq_le(b.right, snd_max_)) {
                sacked_.add(b.left, b.right);
                ++stats_.sack_blocks_in;
            }
        }
    }
    const bool new_sack = sacked_.bytes() > sacked_before;
    if (new_sack) stats_.sacked_bytes += sacked_.bytes() - sacked_before;
    if (new_sack) update_sacked(now);

    if (seq_gt(h.ack, snd_una_)) {
        on_new_ack(seg, h.ack, now);
    } else if (h.ack == snd_una_ && snd_max_ != snd_una_ && snd_wnd_ > 0) {
        // RFC 5681 2: a duplicate ACK carries no data, no SYN/FIN and the same
        // window. With SACK, any ACK that reports newly SACKed data counts too
        // (RFC 6675 2): a peer with data of its own piggybacks its ACKs.
        // (A zero window is flow control, not loss: probes' ACKs don't count.)
        const bool same_window = (static_cast<std::uint32_t>(h.window) << snd_wscale_) == snd_wnd_;
        const bool pure = seg.payload.empty() && !h.has(flag::FIN) && same_window;
        if (pure || (sack_ok_ && new_sack)) on_duplicate_ack(now);
    }
    // RFC 8985 6.2 / RFC 6675 5: with SACK, every ACK runs loss detection,
    // which starts recovery itself when it finds a loss.
    if (sack_ok_ && snd_max_ != snd_una_) detect_losses(now);
    update_send_window(h);

    switch (state_) {
        case State::FinWait1:
            if (fin_acked()) set_state(State::FinWait2);
            break;
        case State::Closing:
            if (fin_acked()) enter_time_wait(now);
            break;
        case State::LastAck:
            if (fin_acked()) {
                set_state(State::Closed);
                events_ |= event::Closed;
                return false;
            }
            break;
        default:
            break;
    }
    return true;
}

void ConnectionImpl::on_new_ack(const SegmentView& seg, Seq ack, Time now) {
    const Header& h = seg.header;
    const Seq old_una = snd_una_;
    // Bytes of payload acknowledged: the SYN and FIN occupy sequence space
    // but not the send buffer.
    std::uint32_t acked = ack - old_una;
    std::uint32_t data_acked = acked;
    if (seq_le(old_una, iss_)) --data_acked;                                  // our SYN
    if (fin_queued_ && seq_le(old_una, fin_seq_) && seq_gt(ack, fin_seq_)) --data_acked;  // our FIN
    sndbuf_.consume(data_acked);
    stats_.bytes_acked += data_acked;
    tx_log_.on_cumulative_ack(ack, [&](const TxSegment& t) {
        if (!t.sacked) on_delivered(t, now);
    });
    snd_una_ = ack;
    if (tlp_end_ && seq_ge(snd_una_, *tlp_end_)) tlp_end_.reset();
    if (seq_lt(snd_nxt_, snd_una_)) snd_nxt_ = snd_una_;
    sacked_.remove_below(snd_una_);
    events_ |= event::Writable;

    // RTT sample: from TSecr (RFC 7323 4.1), else the timed segment (Karn).
    Duration sample{0};
    if (ts_ok_ && h.options.timestamps && h.options.timestamps->ecr) {
        sample = std::chrono::milliseconds(ts_now(now) - h.options.timestamps->ecr);
        if (sample < 1ms) sample = 1ms;  // the TS clock ticks in ms
    }
    if (rtt_seq_ && seq_ge(ack, *rtt_seq_)) {
        if (sample.count() == 0) sample = now - rtt_start_;
        rtt_seq_.reset();
    }
    if (sample.count() > 0) {
        rtt_.sample(sample);
        if (min_rtt_.count() == 0 || sample < min_rtt_) min_rtt_ = sample;
    }
    retries_ = 0;

    // RFC 6298 5.2/5.3: stop the timer when all is acked, else restart it.
    if (snd_una_ == snd_max_) rtx_deadline_.reset();
    else arm_rtx(now);

    if (in_recovery_) {
        if (seq_ge(ack, recover_)) {
            // RFC 6582 3.2 step 3: a full ACK ends recovery.
            in_recovery_ = false;
            dupacks_ = 0;
            cc_->on_recovery_exit(now);
            LOG(tcp, debug) << "recovery done, cwnd " << cc_->cwnd();
            emit({.kind = TraceEvent::Kind::Recovery}, now);
        } else {
            // step 4: a partial ACK: resend the first unacknowledged segment,
            // deflate by the amount acked, add back one SMSS.
            if (!sack_ok_) {
                std::uint32_t c = cc_->cwnd();
                c = c > acked ? c - acked : 0;
                if (acked >= smss_) c += smss_;
                cc_->set_cwnd(std::max(c, smss_));
            }
            // With SACK, RACK and the scoreboard choose what to resend.
            if (!sack_ok_) retransmit_first(now);
        }
    } else {
        dupacks_ = 0;
        cc_->on_ack(data_acked ? data_acked : acked, sample, now);
    }
    note_congestion(now);
    arm_pto(now);  // RFC 8985 7.2: re-armed by an ACK of new data
}

void ConnectionImpl::on_duplicate_ack(Time now) {
    ++stats_.dup_acks_in;
    if (dupacks_ < 0xffff) ++dupacks_;  // saturate: a counter must not wrap
    emit({.kind = TraceEvent::Kind::DupAck, .seq = snd_una_ - iss_, .count = dupacks_}, now);
    if (in_recovery_) {
        // RFC 6582 3.2 step 4 (RFC 5681 3.2 step 4): inflate by one SMSS per
        // further duplicate ACK. SACK recovery uses the pipe instead.
        if (!sack_ok_) cc_->set_cwnd(cc_->cwnd() + smss_);
        return;
    }
    if (dupacks_ < 3) return;  // Limited Transmit (send_window) lets new data out
    // RFC 6582 3.2 step 2: the third duplicate ACK, unless it is about data
    // before the last recovery point.
    if (dupacks_ == 3 && seq_gt(snd_una_, recover_)) enter_recovery(now);
}

void ConnectionImpl::update_send_window(const Header& h) {
    // RFC 9293 3.10.7.4: take the window from the newest segment only
    // (SND.WL1 < SEG.SEQ, or equal with SND.WL2 =< SEG.ACK).
    if (seq_lt(snd_wl1_, h.seq) || (snd_wl1_ == h.seq && seq_le(snd_wl2_, h.ack))) {
        const std::uint32_t old = snd_wnd_;
        snd_wnd_ = static_cast<std::uint32_t>(h.window) << snd_wscale_;
        max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
        snd_wl1_ = h.seq;
        snd_wl2_ = h.ack;
        if (old == 0 && snd_wnd_ > 0 && (persist_deadline_ || persist_backoff_)) {
            // Out of persist: a probe byte the zero window refused is sent
            // again as ordinary data.
            persist_deadline_.reset();
            persist_backoff_ = 0;
            snd_nxt_ = snd_una_;
            LOG(tcp, debug) << "window opened to " << snd_wnd_;
        }
    }
}

void ConnectionImpl::on_text(Seq seq, base::Bytes payload, Time now) {
    const std::uint32_t len = static_cast<std::uint32_t>(payload.size());
    const std::size_t offset = rcvbuf_.size() + (seq - rcv_nxt_);  // from the read point
    if (offset + len > rcvbuf_.capacity()) return;  // cannot happen within the window
    if (seq == rcv_nxt_) {
        rcvbuf_.write_at(rcvbuf_.size(), payload);
        Seq end = seq + len;
        const bool filled_hole = !ooo_.empty();
        // Pull in out-of-order data that is now contiguous (RFC 9293 3.10.7.4
        // seventh: held segments are processed once they are in order).
        ooo_.remove_below(end);
        Seq right;
        while (ooo_.take_starting_at(end, right)) end = right;
        rcvbuf_.commit(end - rcv_nxt_);
        stats_.bytes_in += end - rcv_nxt_;
        rcv_nxt_ = end;
        events_ |= event::Readable;
        if (peer_fin_seq_ && *peer_fin_seq_ == rcv_nxt_) {
            on_fin_reached(now);
            return;
        }
        // RFC 5681 4.2: ACK at once when a segment fills a hole; else delay.
        schedule_ack(now, filled_hole);
    } else {
        // Out of order: hold it in place in the ring and ACK at once, which
        // the sender counts as a duplicate ACK (RFC 5681 4.2, RFC 9293).
        ++stats_.out_of_order_in;
        if (ooo_.add(seq, seq + len)) rcvbuf_.write_at(offset, payload);
        send_ack(now);
    }
}

void ConnectionImpl::on_fin_reached(Time now) {
    // RFC 9293 3.10.7.4 eighth: advance RCV.NXT over the FIN, ACK it, and
    // tell the application the peer is done (EOF after the buffered data).
    fin_received_ = true;
    rcv_nxt_ += 1;
    events_ |= event::Readable;
    switch (state_) {
        case State::SynReceived:
        case State::Established:
            set_state(State::CloseWait);
            break;
        case State::FinWait1:
            if (fin_acked()) enter_time_wait(now);
            else set_state(State::Closing);
            break;
        case State::FinWait2:
            enter_time_wait(now);
            break;
        default:
            break;
    }
    send_ack(now);
    // Closed by the application with the peer still sending? Not here: data
    // after close() resets (RFC 2525 2.17), handled in on_text's caller.
}

}  // namespace tcp
