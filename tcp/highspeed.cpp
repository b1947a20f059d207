#include "tcp/highspeed.hpp"

#include <algorithm>
#include <cmath>

namespace tcp {

double hs_b(double w) {
    if (w <= kHsLowWindow) return 0.5;
    const double f = (std::log(w) - std::log(kHsLowWindow)) /
                     (std::log(kHsHighWindow) - std::log(kHsLowWindow));
    return (kHsHighDecrease - 0.5) * f + 0.5;
}

// RFC 3649 5: the response function w = 0.12 / p^0.835, written as the
// RFC does for a(w): p(w) = 0.078 / w^1.2 (about 1e-3 at Low_Window, High_P
// at High_Window).
double hs_p(double w) { return 0.078 / std::pow(w, 1.2); }

double hs_a(double w) {
    if (w <= kHsLowWindow) return 1;
    const double b = hs_b(w);
    return std::max(1.0, w * w * hs_p(w) * 2 * b / (2 - b));
}

// RFC 3649 5: per ACK, cwnd += a(w) / w segments for each segment it
// covers (byte-counted, RFC 3465, so delayed ACKs do not slow it). At or
// below Low_Window a(w) = 1: NewReno's own rule.
void HighSpeed::congestion_avoidance(std::uint32_t bytes_acked, Time now) {
    const double w = static_cast<double>(cwnd_) / smss_;
    if (w <= kHsLowWindow) {
        NewReno::congestion_avoidance(bytes_acked, now);
        return;
    }
    grown_ += hs_a(w) * smss_ * bytes_acked / cwnd_;
    const double whole = std::floor(grown_);
    grown_ -= whole;
    update(std::uint64_t{cwnd_} + static_cast<std::uint64_t>(whole), ssthresh_,
           "highspeed congestion avoidance");
}

// RFC 3649 5: on a congestion event w becomes (1 - b(w)) * w; from the
// flight size, as RFC 5681 eq. 4 takes it, and never below 2 segments.
std::uint32_t HighSpeed::reduced_ssthresh(std::uint32_t flight_size) const {
    const double b = hs_b(static_cast<double>(cwnd_) / smss_);
    const auto s = static_cast<std::uint32_t>(flight_size * (1 - b));
    return std::max(s, 2 * smss_);
}

void HighSpeed::on_fast_retransmit(std::uint32_t flight_size, Time /*now*/) {
    const std::uint32_t ssthresh = reduced_ssthresh(flight_size);
    grown_ = 0;
    update(ssthresh, ssthresh, "highspeed fast retransmit");
}

// RFC 5681 3.1's loss window of one segment; ssthresh by b(w) as on any
// loss (a repeated timeout of the same segment keeps it).
void HighSpeed::on_rto(std::uint32_t flight_size, Time /*now*/) {
    const std::uint32_t ssthresh = timed_out_ ? ssthresh_ : reduced_ssthresh(flight_size);
    timed_out_ = true;
    grown_ = 0;
    update(smss_, ssthresh, "highspeed retransmission timeout");
}

}  // namespace tcp
