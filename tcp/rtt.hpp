// The retransmission timeout of RFC 6298: SRTT and RTTVAR from RTT samples,
// RTO = SRTT + max(G, 4*RTTVAR), clamped to [rto_min, rto_max], doubled on
// each timeout (exponential backoff, 5.5) until a new sample arrives.
#pragma once
#include <algorithm>

#include "tcp/types.hpp"

namespace tcp {

class RttEstimator {
public:
    RttEstimator(Duration initial, Duration min, Duration max)
        : rto_(initial), min_(min), max_(max) {}

    void sample(Duration r) {
        if (r < Duration{1}) r = Duration{1};
        if (!have_sample_) {  // RFC 6298 2.2: first measurement
            srtt_ = r;
            rttvar_ = r / 2;
            have_sample_ = true;
        } else {  // 2.3: alpha = 1/8, beta = 1/4
            const Duration err = srtt_ > r ? srtt_ - r : r - srtt_;
            rttvar_ = (3 * rttvar_ + err) / 4;
            srtt_ = (7 * srtt_ + r) / 8;
        }
        // G, the clock granularity, is 1 us here: far below 4*RTTVAR.
        rto_ = std::clamp(srtt_ + std::max(Duration{1}, 4 * rttvar_), min_, max_);
        backoff_ = 0;
    }

    // 5.5: RTO <- RTO * 2 (bounded by the maximum).
    void backoff() {
        rto_ = std::min(max_, rto_ * 2);
        ++backoff_;
    }

    Duration rto() const { return rto_; }
    Duration srtt() const { return srtt_; }
    Duration rttvar() const { return rttvar_; }
    bool has_sample() const { return have_sample_; }
    int backoffs() const { return backoff_; }

private:
    Duration srtt_{0}, rttvar_{0}, rto_;
    Duration min_, max_;
    bool have_sample_ = false;
    int backoff_ = 0;
};

}  // namespace tcp
