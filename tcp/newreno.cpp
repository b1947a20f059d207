#include "tcp/newreno.hpp"

#include <algorithm>
#include <sstream>

#include "base/log.hpp"

namespace tcp {

std::uint32_t initial_window(std::uint32_t smss) {
    const std::uint64_t s = smss;
    return static_cast<std::uint32_t>(
        std::min<std::uint64_t>({10 * s, std::max<std::uint64_t>(2 * s, 14600), kMaxCwnd}));
}

namespace {
// RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS). From what is in
// flight, not from cwnd (which may be far above what was really sent).
std::uint32_t half_flight(std::uint32_t flight_size, std::uint32_t smss) {
    return std::max(flight_size / 2, 2 * smss);
}
}  // namespace

// The MSS option is 16 bits (RFC 9293 3.7.1), and an SMSS of 0 would make
// every window zero; keep it where the arithmetic below is safe.
NewReno::NewReno(std::uint32_t smss)
    : smss_(std::clamp<std::uint32_t>(smss, 1, 65535)),
      cwnd_(initial_window(smss_)),
      // RFC 5681 3.1: "arbitrarily high", e.g. the largest possible window.
      ssthresh_(kMaxCwnd) {}

void NewReno::update(std::uint64_t cwnd, std::uint32_t ssthresh, std::string_view why) {
    const auto c = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(cwnd, smss_, kMaxCwnd));
    ssthresh = std::min(ssthresh, kMaxCwnd);
    if (c < cwnd_) bytes_acked_ = 0;  // RFC 3465 2.1: the count restarts after a cut
    // Growth is logged when it reaches a new whole segment, so CUBIC's small
    // per-ACK steps do not flood the log; every cut is logged.
    const bool notable = c < cwnd_ || ssthresh != ssthresh_ || c / smss_ != cwnd_ / smss_;
    if (notable && LOG_ENABLED(tcp, debug)) {
        std::ostringstream os;
        if (c != cwnd_) os << "cwnd " << cwnd_ << " -> " << c;
        if (c != cwnd_ && ssthresh != ssthresh_) os << ", ";
        if (ssthresh != ssthresh_) os << "ssthresh " << ssthresh_ << " -> " << ssthresh;
        LOG(tcp, debug) << os.str() << " (" << why << ")";
    }
    cwnd_ = c;
    ssthresh_ = ssthresh;
}

void NewReno::on_ack(std::uint32_t bytes_acked, Duration /*rtt*/, Time now) {
    timed_out_ = false;
    // RFC 5681 3.1: slow start while cwnd < ssthresh; at equality either
    // is allowed, and we take congestion avoidance.
    if (cwnd_ < ssthresh_)
        slow_start(bytes_acked);
    else
        congestion_avoidance(bytes_acked, now);
}

// Appropriate byte counting (RFC 3465 2.2): cwnd grows by the bytes an ACK
// newly covers. RFC 5681 eq. 2 caps that at SMSS and RFC 3465 2.3 at
// L = 2*SMSS; both assume an ACK for every second segment, and a receiver
// that coalesces (GRO, or ours with Config::ack_per_batch) ACKs up to 64 KiB
// at once, which under that cap would grow slow start by 2*SMSS per 64 KiB
// instead of doubling it each round trip. So, as Linux does, and departing
// from both caps (RFC 3465 2.3 says MUST NOT exceed 2*SMSS), the ACK counts
// for every segment it covers, but at most cwnd (at least L = 2*SMSS): slow
// start still at most doubles per ACK, and the ACK that covers a whole old
// window after an RTO (cwnd = 1 SMSS) cannot release a line-rate burst,
// which is the burst RFC 3465 2.3's limit is there to prevent.
void NewReno::slow_start(std::uint32_t bytes_acked) {
    const std::uint32_t l = std::max(2 * smss_, cwnd_);
    update(std::uint64_t{cwnd_} + std::min(bytes_acked, l), ssthresh_, "slow start");
}

// RFC 5681 3.1 recommends counting bytes here (RFC 3465 2.1) over eq. 3
// (SMSS*SMSS/cwnd per ACK), which delayed ACKs slow down: once a whole cwnd
// of bytes has been acknowledged, cwnd grows by one SMSS.
void NewReno::congestion_avoidance(std::uint32_t bytes_acked, Time /*now*/) {
    const std::uint64_t total = std::uint64_t{bytes_acked_} + bytes_acked;
    if (total < cwnd_) {
        bytes_acked_ = static_cast<std::uint32_t>(total);
        return;
    }
    const std::uint64_t rest = total - cwnd_;
    update(std::uint64_t{cwnd_} + smss_, ssthresh_, "congestion avoidance");
    // At most one SMSS per ACK; a huge stretch ACK banks less than a cwnd.
    bytes_acked_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(rest, cwnd_ - 1));
}

// RFC 5681 3.2 step 2 (RFC 6582 3.2 step 2). The connection adds the 3*SMSS.
void NewReno::on_fast_retransmit(std::uint32_t flight_size, Time /*now*/) {
    const std::uint32_t ssthresh = half_flight(flight_size, smss_);
    update(ssthresh, ssthresh, "fast retransmit");
}

// RFC 6582 3.2 step 3, option (2): cwnd = ssthresh.
void NewReno::on_recovery_exit(Time /*now*/) { update(ssthresh_, ssthresh_, "recovery exit"); }

// RFC 5681 3.1: ssthresh by eq. 4 (unless this is the same segment timing
// out again), and cwnd to the loss window LW = 1*SMSS.
void NewReno::on_rto(std::uint32_t flight_size, Time /*now*/) {
    const std::uint32_t ssthresh =
        timed_out_ ? ssthresh_ : half_flight(flight_size, smss_);
    timed_out_ = true;
    update(smss_, ssthresh, "retransmission timeout");
}

// RFC 5681 4.1: after an idle period longer than the RTO, restart from
// RW = min(IW, cwnd), so the first flight after it is not a line-rate burst.
void NewReno::on_idle_restart(Time /*now*/) {
    update(std::min(initial_window(smss_), cwnd_), ssthresh_, "idle restart");
}

void NewReno::set_cwnd(std::uint32_t cwnd) { update(cwnd, ssthresh_, "fast recovery"); }

}  // namespace tcp
