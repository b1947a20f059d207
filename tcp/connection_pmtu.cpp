// How large a segment may be: Path MTU Discovery for one connection (RFC
// 1191 6, RFC 1122 4.2.3.11), with the validation RFC 5927 asks for before
// believing an ICMP message, and the send size goal of a path whose device
// cuts super-segments into MSS-sized pieces (TSO).
#include "base/log.hpp"
#include "tcp/connection_impl.hpp"

namespace tcp {

namespace {

// The smallest MSS we shrink to: RFC 791's 68-byte minimum MTU would leave
// no room for data once the headers are counted, so, like Linux
// (tcp_min_snd_mss), a floor well above it.
constexpr std::uint32_t kMinSmss = 48;

// The MSS a path MTU leaves: less 20 (IP) and 20 (TCP), less the 12 bytes
// of timestamps when they are on (RFC 6691), never above what was negotiated.
std::uint32_t smss_for(std::uint32_t mtu, bool ts, std::uint32_t ceiling) {
    const std::uint32_t overhead = 40 + (ts ? 12 : 0);
    const std::uint32_t fit = mtu > overhead + kMinSmss ? mtu - overhead : kMinSmss;
    return std::min(fit, ceiling);
}

}  // namespace

bool ConnectionImpl::on_packet_too_big(Seq quoted_seq, std::uint32_t mtu, Time now) {
    now_ = now;
    // RFC 5927 4.1: a blind attacker does not know which sequence numbers
    // are in flight; an ICMP message that quotes one that is not is ignored.
    if (!established_or_later() || state_ == State::TimeWait || seq_lt(quoted_seq, snd_una_) ||
        !seq_lt(quoted_seq, snd_max_)) {
        ++stats_.icmp_ignored;
        LOG(tcp, debug) << "fragmentation needed quoting seq " << quoted_seq - iss_
                        << " outside SND.UNA..SND.NXT: ignored (RFC 5927)";
        return false;
    }
    const std::uint32_t mss = smss_for(mtu, ts_ok_, smss_max_);
    if (mss >= smss_) return true;  // we already send small enough
    LOG(tcp, info) << "path MTU " << mtu << ": MSS " << smss_ << " -> " << mss << " (RFC 1191)";
    smss_ = mss;
    cc_->set_smss(mss);
    ++stats_.pmtu_reductions;
    // RFC 1191 6.4 does not ask for a congestion response: the segments were
    // lost to the MTU, not to congestion. Resend what is in flight at the
    // new size at once (Linux's tcp_simple_retransmit), without the RTO's
    // backoff or its collapse of cwnd.
    sacked_.clear();
    for (std::size_t i = 0; i < tx_log_.size(); ++i) tx_log_[i].sacked = tx_log_[i].lost = false;
    in_recovery_ = false;
    dupacks_ = 0;
    snd_nxt_ = snd_una_;
    rtt_seq_.reset();  // Karn: no sample from a retransmitted segment
    output(now, false);
    arm_rtx(now);
    return true;
}

void ConnectionImpl::on_path_mtu(std::uint32_t mtu, Time now) {
    now_ = now;
    const std::uint32_t mss = smss_for(mtu, ts_ok_, smss_max_);
    if (mss == smss_ || !established_or_later()) return;
    LOG(tcp, info) << "path MTU " << mtu << ": MSS " << smss_ << " -> " << mss << " (RFC 1191 6.3)";
    smss_ = mss;
    cc_->set_smss(mss);
}

std::uint32_t ConnectionImpl::send_size_goal(std::uint32_t mss) const {
    // As Linux's tcp_xmit_size_goal: a whole number of MSS-sized pieces
    // that fits the device's largest packet with the largest headers (IPv4
    // 20, TCP 60), at most half the largest window the peer offered (so a
    // window is never filled by one segment), and no more than cwnd (RFC
    // 5681 3.1; output() caps it by the room cwnd leaves, too). A
    // retransmission (below SND.MAX) stays one MSS, so what RACK or the RTO
    // resends is what was lost and no more.
    constexpr std::uint32_t kHeaders = 20 + kHeaderMax;
    if (cfg_.max_send_packet <= kHeaders + 2 * mss || seq_lt(snd_nxt_, snd_max_)) return mss;
    const std::uint32_t goal =
        std::min({cfg_.max_send_packet - kHeaders, max_snd_wnd_ / 2, cc_->cwnd()});
    return std::max<std::uint32_t>(goal / mss, 1) * mss;
}

}  // namespace tcp
