// CUBIC congestion control (RFC 9438). After a loss, cwnd follows a cubic
// function of the time since the loss, not of the number of RTTs: it climbs
// fast back toward W_max (the window where the loss happened), flattens out
// around it, then probes beyond it slowly and faster again. On short-RTT,
// low-bandwidth paths a Reno estimate (W_est) keeps it at least as fast as
// Reno. Slow start, recovery and the idle restart are Reno's (RFC 9438 4.10,
// 4.2: no change to fast recovery), hence the base class.
//
// The RFC counts windows in segments and time in seconds; so do the
// formulas here. cwnd itself stays in bytes like everywhere else.
#pragma once
#include <cstdint>
#include <optional>

#include "tcp/newreno.hpp"

namespace tcp {

// RFC 9438 4.1.1.
constexpr double kCubicC = 0.4;
constexpr double kCubicBeta = 0.7;
constexpr double kCubicAlpha = 3 * (1 - kCubicBeta) / (1 + kCubicBeta);  // ~0.53

// RFC 9438 Figure 2: K = cbrt((W_max - cwnd_epoch) / C), seconds.
double cubic_k(double w_max, double cwnd_epoch);
// RFC 9438 Figure 1: W_cubic(t) = C*(t - K)^3 + W_max, segments.
double cubic_window(double t, double k, double w_max);

class Cubic final : public NewReno {
public:
    explicit Cubic(std::uint32_t smss) : NewReno(smss) {}

    std::string_view name() const override { return "cubic"; }
    void on_ack(std::uint32_t bytes_acked, Duration rtt, Time now) override;
    void on_fast_retransmit(std::uint32_t flight_size, Time now) override;
    void on_rto(std::uint32_t flight_size, Time now) override;
    void on_idle_restart(Time now) override;

    // The state of the current curve, for traces and tests.
    double w_max() const { return w_max_; }  // segments; 0 before any loss
    double k() const { return k_; }          // seconds

private:
    void congestion_avoidance(std::uint32_t bytes_acked, Time now) override;
    void start_epoch(Time now, double cwnd);
    void congestion_event();
    std::uint32_t reduced_ssthresh(std::uint32_t flight_size) const;

    std::optional<Time> t_epoch_;  // start of this congestion avoidance stage
    double w_max_ = 0;             // segments
    double k_ = 0;                 // seconds
    double w_est_ = 0;             // segments (4.3)
    double cwnd_prior_ = 0;        // segments, cwnd when ssthresh was last set
    double alpha_ = kCubicAlpha;
    double cwnd_fraction_ = 0;     // bytes below 1 that the growth left over
    bool after_timeout_ = false;   // 4.8: the next stage restarts the curve
    Duration srtt_{0};             // the "RTT" of 4.2, smoothed as RFC 6298 does
};

}  // namespace tcp
