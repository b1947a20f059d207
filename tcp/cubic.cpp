#include "tcp/cubic.hpp"

#include <algorithm>
#include <cmath>

#include "base/log.hpp"

namespace tcp {

double cubic_k(double w_max, double cwnd_epoch) { return std::cbrt((w_max - cwnd_epoch) / kCubicC); }

double cubic_window(double t, double k, double w_max) {
    const double d = t - k;
    return kCubicC * d * d * d + w_max;
}

namespace {
double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

void Cubic::on_ack(std::uint32_t bytes_acked, Duration rtt, Time now) {
    // RFC 6298 2.2-2.3 smoothing (alpha = 1/8) of the samples we are given.
    if (rtt > Duration{0}) srtt_ = srtt_ == Duration{0} ? rtt : srtt_ + (rtt - srtt_) / 8;
    NewReno::on_ack(bytes_acked, rtt, now);
}

void Cubic::start_epoch(Time now, double cwnd) {
    t_epoch_ = now;
    w_est_ = cwnd;  // 4.3: W_est = cwnd_epoch
    if (after_timeout_ || w_max_ <= cwnd) {
        // 4.8 after a timeout, and 4.10 with no loss yet (or none above us):
        // the curve starts at its plateau, K = 0 and W_max = cwnd_epoch.
        w_max_ = cwnd;
        k_ = 0;
    } else {
        k_ = cubic_k(w_max_, cwnd);
    }
    after_timeout_ = false;
    LOG(tcp, debug) << "cubic: new epoch, cwnd " << cwnd << " W_max " << w_max_ << " K " << k_
                    << " s (segments)";
}

// RFC 9438 4.2-4.5, once per new ACK in congestion avoidance.
void Cubic::congestion_avoidance(std::uint32_t bytes_acked, Time now) {
    const double smss = smss_;
    const double cwnd = (cwnd_ + cwnd_fraction_) / smss;
    if (!t_epoch_) start_epoch(now, cwnd);
    const double t = seconds(now - *t_epoch_);
    const double acked = bytes_acked / smss;  // 4.1.2 segments_acked, may be fractional

    // 4.3: Reno's window, grown by alpha segments per cwnd acknowledged;
    // alpha becomes 1 (Reno's own rate) once W_est passes cwnd_prior.
    w_est_ += alpha_ * acked / cwnd;
    if (w_est_ >= cwnd_prior_) alpha_ = 1;

    double next;
    const char* region;
    if (cubic_window(t, k_, w_max_) < w_est_) {
        next = std::max(cwnd, w_est_);  // Reno-friendly region; never shrink here
        region = "cubic reno-friendly";
    } else {
        // 4.4 (concave, cwnd < W_max) and 4.5 (convex) grow the same way:
        // toward the curve one RTT ahead, by at most half of cwnd per RTT.
        const double target =
            std::clamp(cubic_window(t + seconds(srtt_), k_, w_max_), cwnd, 1.5 * cwnd);
        // (target - cwnd)/cwnd per ACK of one segment; scaled by the segments
        // this ACK covers so delayed ACKs do not slow growth (as W_est does).
        next = std::min(target, cwnd + (target - cwnd) * acked / cwnd);
        region = cwnd < w_max_ ? "cubic concave" : "cubic convex";
    }
    const double bytes = std::min(next * smss, double{kMaxCwnd});
    const double whole = std::floor(bytes);
    cwnd_fraction_ = bytes - whole;
    update(static_cast<std::uint64_t>(whole), ssthresh_, region);
}

// 4.6: ssthresh = flight_size * beta_cubic, at least 2 segments.
std::uint32_t Cubic::reduced_ssthresh(std::uint32_t flight_size) const {
    const auto s = static_cast<std::uint32_t>(std::uint64_t{flight_size} * 7 / 10);
    return std::max(s, 2 * smss_);
}

// 4.6 and 4.7, before the window is cut: remember where the loss happened.
void Cubic::congestion_event() {
    const double cwnd = static_cast<double>(cwnd_) / smss_;
    // 4.7 fast convergence: a loss below the last W_max means the share of
    // this flow is shrinking; give way by aiming lower.
    w_max_ = cwnd < w_max_ ? cwnd * (1 + kCubicBeta) / 2 : cwnd;
    cwnd_prior_ = cwnd;
    alpha_ = kCubicAlpha;
    cwnd_fraction_ = 0;
    t_epoch_.reset();
}

void Cubic::on_fast_retransmit(std::uint32_t flight_size, Time /*now*/) {
    congestion_event();
    const std::uint32_t ssthresh = reduced_ssthresh(flight_size);
    update(ssthresh, ssthresh, "cubic fast retransmit");  // 4.6: cwnd = max(ssthresh, 2)
}

// 4.8: Reno's loss window, but ssthresh by beta_cubic as in 4.6. A repeated
// timeout of the same segment keeps ssthresh (RFC 5681 3.1).
void Cubic::on_rto(std::uint32_t flight_size, Time /*now*/) {
    std::uint32_t ssthresh = ssthresh_;
    if (!timed_out_) {
        congestion_event();
        ssthresh = reduced_ssthresh(flight_size);
    }
    timed_out_ = true;
    after_timeout_ = true;
    update(smss_, ssthresh, "cubic retransmission timeout");
}

// RFC 9438 4.2: t must not include idle periods (5.8); the next ACK starts a
// new epoch from the restart window instead.
void Cubic::on_idle_restart(Time now) {
    NewReno::on_idle_restart(now);
    t_epoch_.reset();
}

}  // namespace tcp
