// HighSpeed TCP (RFC 3649). Above Low_Window segments the window grows by
// a(w) segments per RTT instead of one and a loss takes only b(w) of it
// instead of a half, both following w: the response function of RFC 3649 5
// (w = 0.12 / p^0.835) joins Standard TCP's at Low_Window = 38 segments
// (p = 10^-3) and reaches High_Window = 83000 at High_P = 10^-7, where
// b = High_Decrease = 0.1. At or below Low_Window it is Standard TCP
// exactly. Slow start, recovery and the loss window are NewReno's, so it
// derives from that class (RFC 3649 6 leaves them alone).
#pragma once
#include <cstdint>

#include "tcp/newreno.hpp"

namespace tcp {

// RFC 3649 5.
constexpr double kHsLowWindow = 38;
constexpr double kHsHighWindow = 83000;
constexpr double kHsHighP = 1e-7;
constexpr double kHsHighDecrease = 0.1;

// RFC 3649 5, for w in segments: b(w) interpolates 0.5 -> High_Decrease on
// log(w) between Low_Window and High_Window; a(w) = w^2 p(w) 2 b(w) / (2 - b(w))
// with p(w) the response function's loss rate at w. 1 and 0.5 at or below
// Low_Window; beyond High_Window the formulas go on as RFC 3649 5 allows.
double hs_b(double w);
double hs_a(double w);
double hs_p(double w);

class HighSpeed final : public NewReno {
public:
    explicit HighSpeed(std::uint32_t smss) : NewReno(smss) {}

    std::string_view name() const override { return "highspeed"; }
    void on_fast_retransmit(std::uint32_t flight_size, Time now) override;
    void on_rto(std::uint32_t flight_size, Time now) override;

private:
    void congestion_avoidance(std::uint32_t bytes_acked, Time now) override;
    std::uint32_t reduced_ssthresh(std::uint32_t flight_size) const;

    double grown_ = 0;  // bytes of growth below one byte, carried to the next ACK
};

}  // namespace tcp
