// tcp::Connection: opening, the application side, and output (sending data,
// ACKs and FINs within the windows). Segment arrival is in
// connection_input.cpp, timers in connection_timers.cpp.
#include <algorithm>

#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "tcp/connection_impl.hpp"
#include "tcp/syn_cookie.hpp"

namespace tcp {

std::string_view to_string(State s) {
    switch (s) {
        case State::Closed: return "CLOSED";
        case State::Listen: return "LISTEN";
        case State::SynSent: return "SYN-SENT";
        case State::SynReceived: return "SYN-RECEIVED";
        case State::Established: return "ESTABLISHED";
        case State::FinWait1: return "FIN-WAIT-1";
        case State::FinWait2: return "FIN-WAIT-2";
        case State::CloseWait: return "CLOSE-WAIT";
        case State::Closing: return "CLOSING";
        case State::LastAck: return "LAST-ACK";
        case State::TimeWait: return "TIME-WAIT";
    }
    return "?";
}

std::string_view to_string(Error e) {
    switch (e) {
        case Error::None: return "no error";
        case Error::Refused: return "connection refused";
        case Error::Reset: return "connection reset by peer";
        case Error::TimedOut: return "connection timed out";
        case Error::Aborted: return "connection aborted";
        case Error::Unreachable: return "host unreachable";
    }
    return "?";
}

std::optional<Header> reset_for(const SegmentView& seg) {
    const Header& in = seg.header;
    if (in.has(flag::RST)) return std::nullopt;  // never answer an RST
    Header h;
    h.src_port = in.dst_port;
    h.dst_port = in.src_port;
    if (in.has(flag::ACK)) {  // RFC 9293 3.10.7.1: <SEQ=SEG.ACK><CTL=RST>
        h.seq = in.ack;
        h.flags = flag::RST;
    } else {  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
        h.seq = 0;
        h.ack = in.seq + seg.seg_len();
        h.flags = flag::RST | flag::ACK;
    }
    return h;
}

std::unique_ptr<Connection> Connection::connect(const Tuple& t, const Config& cfg, Seq iss,
                                                Time now, SegmentSink& out, Observer* observer) {
    auto c = std::make_unique<ConnectionImpl>(t, cfg, iss, now, out);
    c->set_observer(observer);
    c->open_active(now);
    return c;
}

std::unique_ptr<Connection> Connection::accept(const Tuple& t, const Config& cfg, Seq iss,
                                               const SegmentView& syn, Time now,
                                               SegmentSink& out, Observer* observer) {
    auto c = std::make_unique<ConnectionImpl>(t, cfg, iss, now, out);
    c->set_observer(observer);
    c->open_passive(syn, now);
    return c;
}

std::unique_ptr<Connection> Connection::from_cookie(const Tuple& t, const Config& cfg,
                                                    const SegmentView& ack,
                                                    const CookieOptions& o, Time now,
                                                    SegmentSink& out, Observer* observer) {
    auto c = std::make_unique<ConnectionImpl>(t, cfg, ack.header.ack - 1, now, out);
    c->set_observer(observer);
    c->open_from_cookie(ack, o, now);
    return c;
}

std::uint8_t wscale_for(std::uint32_t buffer) {
    std::uint8_t s = 0;
    while (s < 14 && (buffer >> s) > 0xffff) ++s;
    return s;
}

ConnectionImpl::ConnectionImpl(const Tuple& t, const Config& cfg, Seq iss, Time now,
                               SegmentSink& out)
    : tuple_(t),
      cfg_(cfg),
      out_(out),
      iss_(iss),
      snd_una_(iss),
      snd_nxt_(iss),
      snd_max_(iss),
      sndbuf_(std::max<std::uint32_t>(cfg.send_buffer, 1)),
      rcvbuf_(std::max<std::uint32_t>(cfg.recv_buffer, 1)),
      rcv_space_(std::min<std::uint32_t>(std::max<std::uint32_t>(cfg.recv_buffer, 1), kRcvSpaceInitial)),
      tx_log_(std::max<std::uint32_t>(cfg.send_buffer, 1) / 536 + 16),
      rtt_(cfg.rto_initial, cfg.rto_min, cfg.rto_max),
      cc_(make_congestion_control(cfg.congestion, 536)),
      last_send_(now) {
    if (!cc_) cc_ = make_congestion_control("newreno", 536);
    recover_ = iss;  // RFC 6582 3.2: recover starts at the ISS
    rcv_wscale_ = cfg_.window_scale ? wscale_for(cfg_.recv_buffer) : 0;
}

void ConnectionImpl::open_active(Time now) {
    now_ = now;
    // RFC 9293 3.10.1 OPEN (active): send <SEQ=ISS><CTL=SYN>, go to SYN-SENT.
    set_state(State::SynSent);
    send_segment(iss_, 0, flag::SYN, now);
    snd_nxt_ = snd_max_ = iss_ + 1;
    arm_rtx(now);
}

void ConnectionImpl::open_passive(const SegmentView& syn, Time now) {
    now_ = now;
    // RFC 9293 3.10.7.2 (LISTEN, SYN): RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ,
    // send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, go to SYN-RECEIVED.
    passive_ = true;
    state_ = State::Listen;  // born of a listener: the trace reads LISTEN -> SYN-RECEIVED
    irs_ = syn.header.seq;
    rcv_nxt_ = rcv_adv_ = last_ack_sent_ = irs_ + 1;
    take_peer_options(syn.header.options);
    snd_wnd_ = syn.header.window;  // RFC 7323 2.2: never scaled in a SYN
    snd_wl1_ = syn.header.seq;
    max_snd_wnd_ = snd_wnd_;
    ++stats_.segs_in;
    set_state(State::SynReceived);
    send_segment(iss_, 0, flag::SYN | flag::ACK, now);
    snd_nxt_ = snd_max_ = iss_ + 1;
    arm_rtx(now);
    // Data on a SYN (RFC 9293 3.10.7.2 allows it) is processed once ESTABLISHED;
    // we keep it simple and let the peer retransmit it.
}

void ConnectionImpl::open_from_cookie(const SegmentView& ack, const CookieOptions& o, Time now) {
    now_ = now;
    // RFC 4987 3.3: the SYN-RECEIVED state the cookie stood in for, rebuilt
    // from the ACK: IRS = SEG.SEQ - 1, ISS = SEG.ACK - 1 (the cookie), the
    // options the cookie kept. Then the ACK completes the handshake as
    // RFC 9293 3.10.7.4 says, with any text or FIN it carries.
    passive_ = true;
    state_ = State::Listen;
    irs_ = ack.header.seq - 1;
    rcv_nxt_ = last_ack_sent_ = irs_ + 1;  // the SYN-ACK acked it
    // The window our SYN-ACK offered (tcp/syn_cookie.cpp's cookie_syn_ack).
    rcv_adv_ = rcv_nxt_ + std::min<std::uint32_t>(static_cast<std::uint32_t>(rcvbuf_.capacity()), 0xffff);
    Options peer;
    peer.mss = o.mss;
    peer.wscale = o.wscale;
    peer.sack_permitted = o.sack;
    peer.timestamps = o.timestamps;
    take_peer_options(peer);
    set_state(State::SynReceived);
    snd_nxt_ = snd_max_ = iss_ + 1;
    // The ACK's TSecr echoes a TSval whose low bits carried the options
    // (up to 31 ms below our clock): no RTT sample from it (RFC 7323 4.1
    // samples only a TSecr that is ours; this one is only partly).
    SegmentView seg = ack;
    if (seg.header.options.timestamps) seg.header.options.timestamps->ecr = 0;
    on_segment(seg, now);
}

// --- the application side ----------------------------------------------------

std::size_t ConnectionImpl::send(base::Bytes data, Time now) {
    // The one copy into the send buffer; commit() does the rest.
    return commit(base::copy_split({data, {}}, send_room(data.size())), now);
}

std::size_t ConnectionImpl::commit(std::size_t n, Time now) {
    now_ = now;
    // RFC 9293 3.10.2 SEND: queued in SYN-SENT/SYN-RECEIVED, sent from
    // ESTABLISHED and CLOSE-WAIT; an error once we have closed (writable()
    // is 0 in every other state, and after our FIN or an error).
    n = std::min(n, writable());
    if (n == 0) return 0;
    // RFC 5681 4.1: after an idle period longer than the RTO, restart from
    // the restart window.
    if (in_flight() == 0 && sndbuf_.empty() && now - last_send_ > rtt_.rto() &&
        established_or_later())
        cc_->on_idle_restart(now);
    sndbuf_.commit(n);
    if (established_or_later()) output(now);
    return n;
}

std::size_t ConnectionImpl::recv(base::MutBytes out, Time now) {
    return consume(base::copy_split(rcvbuf_.view(), {out, {}}), now);
}

std::size_t ConnectionImpl::consume(std::size_t n, Time now) {
    now_ = now;
    const std::uint32_t before = window_to_advertise_preview();
    n = std::min(n, readable());
    if (n == 0) return 0;
    rcvbuf_.consume(n);
    // RFC 9293 3.8.6.2.2: tell the peer when the window has grown by
    // min(RCV.BUFF/2, MSS) or more (or opened from zero), not for every byte.
    tune_rcv_space(n, now);
    const std::uint32_t after = window_to_advertise_preview();
    const std::uint32_t threshold = std::min<std::uint32_t>(rcv_space_ / 2, cfg_.mss);
    if (established_or_later() && !fin_received_ &&
        (before < threshold || after - before >= threshold) && after > before)
        send_ack(now);
    return n;
}

std::size_t ConnectionImpl::readable() const {
    // The readable bytes are those before RCV.NXT still in the buffer.
    return rcvbuf_.size();
}

std::size_t ConnectionImpl::writable() const {
    if (fin_queued_ || error_ != Error::None) return 0;
    if (state_ != State::Established && state_ != State::CloseWait &&
        state_ != State::SynSent && state_ != State::SynReceived)
        return 0;
    return sndbuf_.free();
}

void ConnectionImpl::tune_rcv_space(std::size_t n, Time now) {
    // Receive-buffer auto-tuning in the manner of Linux's
    // tcp_rcv_space_adjust: if the application read three quarters of the
    // window or more within about one RTT, the window, not the reader,
    // limits the peer: double it, up to the configured maximum. The window
    // scale was chosen at SYN time for that maximum (RFC 7323 2.2), and only
    // growing happens here, so the window never shrinks (RFC 9293 3.8.6).
    if (rcv_space_ >= rcvbuf_.capacity()) return;
    rcvq_copied_ += static_cast<std::uint32_t>(std::min<std::size_t>(n, rcv_space_));
    if (rcvq_copied_ >= rcv_space_ / 4 * 3) {
        rcv_space_ = static_cast<std::uint32_t>(
            std::min<std::size_t>(std::size_t{rcv_space_} * 2, rcvbuf_.capacity()));
    } else {
        const Duration rtt = rtt_.srtt() > Duration{0} ? rtt_.srtt() : rtt_.rto();
        if (now - rcvq_start_ < rtt) return;
    }
    rcvq_copied_ = 0;
    rcvq_start_ = now;
}

void ConnectionImpl::trim_buffers() {
    // RFC 9293 3.8.6: the window offered stays offered, since it is computed
    // from capacity(), not from the memory behind it.
    if (sndbuf_.empty()) sndbuf_.release_if_idle();
    if (rcvbuf_.empty() && ooo_.empty()) rcvbuf_.release_if_idle();
    tx_log_.release_if_empty();  // nothing in flight (RFC 8985 keeps no state then)
}

bool ConnectionImpl::eof() const { return fin_received_ && rcvbuf_.empty(); }

void ConnectionImpl::shutdown_send(Time now) {
    now_ = now;
    if (fin_queued_) return;
    switch (state_) {
        case State::SynSent:  // RFC 9293 3.10.4: nothing sent yet, just close
            set_state(State::Closed);
            return;
        case State::SynReceived:
        case State::Established:
        case State::CloseWait:
            fin_queued_ = true;
            fin_seq_ = data_end();
            if (established_or_later()) output(now);
            return;
        default:
            return;
    }
}

void ConnectionImpl::close(Time now) {
    now_ = now;
    closed_by_app_ = true;
    // RFC 2525 2.17 (and Linux): closing with unread data resets the peer,
    // so it learns the data was not consumed.
    if (!rcvbuf_.empty() && established_or_later()) {
        abort(now);
        return;
    }
    shutdown_send(now);
}

void ConnectionImpl::abort(Time now) {
    now_ = now;
    // RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> in synchronized states.
    if (state_ != State::Closed && state_ != State::SynSent && state_ != State::TimeWait &&
        state_ != State::Listen)
        send_rst(snd_max_);
    fail(Error::Aborted);
}

std::uint32_t ConnectionImpl::take_events() { return std::exchange(events_, 0); }

// --- output --------------------------------------------------------------------

bool ConnectionImpl::established_or_later() const {
    return state_ != State::Closed && state_ != State::Listen && state_ != State::SynSent &&
           state_ != State::SynReceived;
}

std::uint32_t ConnectionImpl::send_window() const {
    // RFC 3042 Limited Transmit: the first two duplicate ACKs each let one
    // new segment out beyond cwnd, so a small window still collects the
    // three duplicate ACKs that fast retransmit needs.
    const std::uint32_t limited = in_recovery_ ? 0 : std::min<std::uint32_t>(dupacks_, 2) * smss_;
    return std::min(snd_wnd_, cc_->cwnd() + limited);
}

std::uint32_t ConnectionImpl::max_payload() const {
    // RFC 6691: the MSS bounds data plus TCP options beyond the timestamps
    // already taken out of smss_; SACK blocks (RFC 2018) must come out of
    // the payload too, or the packet outgrows the path MTU.
    if (!sack_ok_ || ooo_.empty()) return smss_;
    const std::uint32_t blocks = static_cast<std::uint32_t>(std::min<std::size_t>(ooo_.count(), ts_ok_ ? 3 : 4));
    const std::uint32_t extra = ((4 + 8 * blocks) + 3) & ~3u;
    return smss_ > extra + 64 ? smss_ - extra : 64;
}

std::uint32_t ConnectionImpl::in_flight() const {
    const std::uint32_t outstanding = snd_nxt_ - snd_una_;
    if (!sack_ok_ || !in_recovery_) return outstanding;
    // RFC 6675 4 "pipe": outstanding, less what the peer holds (SACKed) and
    // what is deemed lost and not yet retransmitted.
    const std::uint32_t gone = sacked_.bytes() + lost_bytes_not_resent();
    return outstanding > gone ? outstanding - gone : 0;
}

std::uint16_t ConnectionImpl::window_to_advertise() {
    const std::uint32_t field = window_to_advertise_preview();
    const Seq edge = rcv_nxt_ + (field << rcv_wscale_);
    if (seq_gt(edge, rcv_adv_)) rcv_adv_ = edge;
    return static_cast<std::uint16_t>(field);
}

std::uint32_t ConnectionImpl::window_to_advertise_preview() const {
    // Free space beyond the unread bytes; out-of-order data already sits
    // inside this window, so it needs no extra room.
    const std::uint32_t held = static_cast<std::uint32_t>(rcvbuf_.size());
    const std::uint32_t free = rcv_space_ > held ? rcv_space_ - held : 0;
    const std::uint32_t cur = seq_gt(rcv_adv_, rcv_nxt_) ? rcv_adv_ - rcv_nxt_ : 0;
    std::uint32_t wnd = cur;
    // RFC 9293 3.8.6.2.2 (receiver SWS avoidance): move the right edge only
    // by at least min(RCV.BUFF/2, Eff.snd.MSS).
    const std::uint32_t step = std::min<std::uint32_t>(rcv_space_ / 2, cfg_.mss);
    if (free > cur && free - cur >= step) wnd = free;
    if (free < cur) wnd = cur;  // never shrink the window (3.8.6)
    return std::min<std::uint32_t>(wnd >> rcv_wscale_, 0xffff);
}

void ConnectionImpl::send_segment(Seq seq, std::uint32_t len, std::uint8_t flags, Time now) {
    Header h;
    h.src_port = tuple_.local_port;
    h.dst_port = tuple_.remote_port;
    h.seq = seq;
    h.flags = flags;
    if (flags & flag::ACK) h.ack = rcv_nxt_;
    if (flags & flag::SYN) {
        // RFC 7323 2.2: the window in a SYN is never scaled.
        h.window = static_cast<std::uint16_t>(std::min<std::size_t>(rcvbuf_.free(), 0xffff));
        rcv_adv_ = seq_max(rcv_adv_, rcv_nxt_ + h.window);
        h.options.mss = cfg_.mss;
        const bool reply = flags & flag::ACK;  // SYN-ACK: only what the peer offered
        if (cfg_.window_scale && (!reply || wscale_ok_)) h.options.wscale = rcv_wscale_;
        if (cfg_.sack && (!reply || sack_ok_)) h.options.sack_permitted = true;
        if (cfg_.timestamps && (!reply || ts_ok_))
            h.options.timestamps = Timestamps{ts_now(now), reply ? ts_recent_ : 0};
    } else {
        h.window = window_to_advertise();
        if (ts_ok_) h.options.timestamps = Timestamps{ts_now(now), ts_recent_};
        // RFC 2018 4: SACK blocks whenever out-of-order data is held; three
        // fit beside timestamps.
        if (sack_ok_ && !ooo_.empty() && (flags & flag::ACK))
            h.options.sack_count = static_cast<std::uint8_t>(
                ooo_.sack_blocks(h.options.sack.data(), ts_ok_ ? 3 : 4));
    }
    base::Bytes p1, p2;
    if (len) {
        auto [a, b] = sndbuf_.peek(seq - data_base(), len);
        p1 = a;
        p2 = b;
    }
    const bool retransmit = seq_lt(seq, snd_max_) && (len || (flags & (flag::SYN | flag::FIN)));
    if (LOG_ENABLED(tcp, debug)) {
        LOG(tcp, debug) << ip::addr_to_string(tuple_.local_ip) << ':' << tuple_.local_port
                        << " > " << ip::addr_to_string(tuple_.remote_ip) << ':'
                        << tuple_.remote_port << " [" << flags_to_string(flags)
                        << "] seq " << seq - iss_ << " ack " << (h.ack - irs_) << " win "
                        << h.window << " len " << len << (retransmit ? " (retransmission)" : "");
    }
    // More than one MSS: a super-segment, cut into pieces of `piece` by
    // the device (TSO); each piece is a segment to the peer.
    const std::uint32_t piece = max_payload();
    const std::uint32_t pieces = len > piece ? (len + piece - 1) / piece : 1;
    out_.send_segment(tuple_, h, p1, p2, pieces > 1 ? static_cast<std::uint16_t>(piece) : 0);
    stats_.segs_out += pieces;
    if (pieces > 1) ++stats_.tso_segs_out;
    if (retransmit) ++stats_.retransmits;
    else stats_.bytes_out += len;
    last_send_ = now;
    if (flags & flag::ACK) {  // any ACK we send satisfies a pending delayed ACK
        ack_deadline_.reset();
        unacked_segs_ = 0;
        ack_owed_ = false;
        last_ack_sent_ = h.ack;
    }
    // RFC 8985 6.1: remember when, piece by piece, so that SACK and RACK
    // judge each piece of a super-segment as the segment the peer sees.
    for (std::uint32_t off = 0; off < len; off += piece)
        tx_log_.on_send(seq + off, seq + std::min(len, off + piece), now);
    const std::uint32_t used = len + ((flags & flag::SYN) ? 1 : 0) + ((flags & flag::FIN) ? 1 : 0);
    if (used) {
        if (!rtx_deadline_) arm_rtx(now);
        // Karn's algorithm (RFC 6298 3): time only new data, never a
        // retransmission. With timestamps, TSecr gives the samples instead.
        if ((!ts_ok_ || (flags & flag::SYN)) && !rtt_seq_ && !retransmit) {
            rtt_seq_ = seq + used;
            rtt_start_ = now;
        }
    }
}

void ConnectionImpl::send_rst(Seq seq) {
    Header h;
    h.src_port = tuple_.local_port;
    h.dst_port = tuple_.remote_port;
    h.seq = seq;
    h.flags = flag::RST;
    out_.send_segment(tuple_, h, {}, {}, 0);
    ++stats_.segs_out;
}

void ConnectionImpl::retransmit_first(Time now) {
    // The earliest unacknowledged segment: the SYN, data, or the FIN.
    if (state_ == State::SynSent) {
        send_segment(iss_, 0, flag::SYN, now);
        return;
    }
    if (state_ == State::SynReceived && syn_unacked()) {
        send_segment(iss_, 0, flag::SYN | flag::ACK, now);
        return;
    }
    const Seq from = snd_una_;
    const std::uint32_t data_left = seq_lt(from, data_end()) ? data_end() - from : 0;
    const std::uint32_t len = std::min(data_left, max_payload());
    std::uint8_t flags = flag::ACK;
    if (fin_sent() && from + len == fin_seq_) flags |= flag::FIN;
    if (len == 0 && !(flags & flag::FIN)) return;
    send_segment(from, len, flags | (len ? flag::PSH : 0), now);
    // The segment may reach past SND.MAX (data queued since); keep the
    // send variables ahead of everything sent.
    const Seq end = from + len + ((flags & flag::FIN) ? 1 : 0);
    snd_nxt_ = seq_max(snd_nxt_, end);
    snd_max_ = seq_max(snd_max_, snd_nxt_);
}

void ConnectionImpl::output(Time now, bool force_ack) {
    bool sent = false;
    if (established_or_later() && state_ != State::TimeWait) {
        // SACK loss recovery first: resend holes while the pipe allows.
        if (sack_ok_ && in_recovery_) {
            while (in_flight() + smss_ <= cc_->cwnd() && retransmit_hole(now)) sent = true;
        }
        const bool may_send_data = state_ == State::Established || state_ == State::CloseWait ||
                                   (fin_queued_ && !fin_sent());
        while (may_send_data) {
            const std::uint32_t avail = seq_lt(snd_nxt_, data_end()) ? data_end() - snd_nxt_ : 0;
            const std::uint32_t wnd = send_window();
            const std::uint32_t flight = in_flight();
            // RFC 9293 3.8.6.1: data must fit in SND.UNA + SND.WND; the
            // congestion window caps what is in flight (RFC 5681 3.1).
            const std::uint32_t peer_room =
                seq_lt(snd_nxt_, snd_una_ + snd_wnd_) ? snd_una_ + snd_wnd_ - snd_nxt_ : 0;
            const std::uint32_t cc_room = wnd > flight ? wnd - flight : 0;
            const std::uint32_t mss = max_payload();
            std::uint32_t len = std::min({avail, send_size_goal(mss), peer_room, cc_room});
            // A super-segment (TSO) is whole MSS pieces, and a shorter last
            // piece only when it would go out right after them on its own
            // (RFC 9293 3.7.4 Nagle, 3.8.6.2.1 SWS): it empties the queue with
            // Nagle off (data is in flight by then), or carries the FIN.
            if (len > mss && len % mss != 0 && !(len == avail && (cfg_.nodelay || fin_queued_)))
                len -= len % mss;
            const bool fin_now = fin_queued_ && !fin_sent() && snd_nxt_ + len == fin_seq_;
            if (len == 0 && !fin_now) break;
            if (len > 0 && len < mss && !fin_now) {
                // A partial segment. RFC 9293 3.8.6.2.1 (sender SWS avoidance)
                // with Nagle (RFC 896, RFC 1122 4.2.3.4): send it if it empties
                // the queue and nothing is unacknowledged (or Nagle is off), or
                // if it is at least half the largest window the peer offered.
                const bool empties_queue = len == avail;
                const bool nagle_ok = cfg_.nodelay || flight == 0;
                // With nothing in flight no ACK will come to clock us out, so
                // send rather than wait (the RFC's override timeout, at once).
                if (!(empties_queue && nagle_ok) && len < max_snd_wnd_ / 2 && flight > 0) break;
            }
            std::uint8_t flags = flag::ACK;
            if (len && snd_nxt_ + len == data_end()) flags |= flag::PSH;
            if (fin_now) {
                // RFC 9293 3.10.4: the CLOSE moves the state as the FIN goes
                // out; report the change first so traces read in that order.
                flags |= flag::FIN;
                if (state_ == State::Established || state_ == State::SynReceived)
                    set_state(State::FinWait1);
                else if (state_ == State::CloseWait)
                    set_state(State::LastAck);
            }
            send_segment(snd_nxt_, len, flags, now);
            snd_nxt_ += len + (fin_now ? 1 : 0);
            snd_max_ = seq_max(snd_max_, snd_nxt_);
            sent = true;
            if (fin_now) break;
        }
        if (sent) arm_pto(now);
        // RFC 9293 3.8.6.1: with data waiting, a zero window and nothing in
        // flight to bring an update, probe with the persist timer.
        const bool waiting = seq_lt(snd_nxt_, data_end()) || (fin_queued_ && !fin_sent());
        if (waiting && snd_wnd_ == 0 && snd_nxt_ == snd_una_ && !persist_deadline_) {
            persist_deadline_ = now + rtt_.rto();
            persist_backoff_ = 0;
            LOG(tcp, debug) << "zero window: persist timer armed, " << rtt_.rto().count() / 1000
                            << " ms";
            emit({.kind = TraceEvent::Kind::ZeroWindow,
                  .value = static_cast<std::uint64_t>(rtt_.rto().count() / 1000)},
                 now);
        }
    }
    if (!sent && force_ack) send_ack(now);
}

Stats& Stats::operator+=(const Stats& o) {
    const auto add = [](std::uint64_t& a, std::uint64_t b) { a += b; };
    add(segs_in, o.segs_in);
    add(segs_out, o.segs_out);
    add(bytes_in, o.bytes_in);
    add(bytes_out, o.bytes_out);
    add(retransmits, o.retransmits);
    add(rto_timeouts, o.rto_timeouts);
    add(fast_retransmits, o.fast_retransmits);
    add(tail_loss_probes, o.tail_loss_probes);
    add(dup_acks_in, o.dup_acks_in);
    add(out_of_order_in, o.out_of_order_in);
    add(duplicate_in, o.duplicate_in);
    add(unacceptable_in, o.unacceptable_in);
    add(challenge_acks, o.challenge_acks);
    add(zero_window_probes, o.zero_window_probes);
    add(keepalive_probes, o.keepalive_probes);
    add(delayed_acks, o.delayed_acks);
    add(batch_acks, o.batch_acks);
    add(pmtu_reductions, o.pmtu_reductions);
    add(icmp_ignored, o.icmp_ignored);
    add(bytes_acked, o.bytes_acked);
    add(sack_blocks_in, o.sack_blocks_in);
    add(sacked_bytes, o.sacked_bytes);
    add(tso_segs_out, o.tso_segs_out);
    return *this;
}

Info ConnectionImpl::info() const {
    Info i;
    i.state = state_;
    i.srtt = rtt_.srtt();
    i.rttvar = rtt_.rttvar();
    i.rto = rtt_.rto();
    i.cwnd = cc_->cwnd();
    i.ssthresh = cc_->ssthresh();
    i.mss = smss_;
    i.snd_wnd = snd_wnd_;
    i.rcv_wnd = window_to_advertise_preview() << rcv_wscale_;
    i.in_flight = in_flight();
    // RFC 9293 3.3.1: [SND.UNA, SND.NXT) is sent; the buffer's rest waits.
    const auto size = static_cast<std::uint32_t>(sndbuf_.size());
    const std::uint32_t sent = seq_gt(snd_nxt_, data_base()) ? snd_nxt_ - data_base() : 0;
    i.unsent = size > sent ? size - sent : 0;
    i.unread = static_cast<std::uint32_t>(readable());
    return i;
}

}  // namespace tcp
