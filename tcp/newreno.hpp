// NewReno congestion control: the window rules of RFC 5681 (the connection
// runs the RFC 6582 recovery itself, see tcp/congestion.hpp). CUBIC (RFC 9438)
// keeps all of it but congestion avoidance and the multiplicative decrease,
// so it derives from this class.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "tcp/congestion.hpp"

namespace tcp {

// No window, advertised or scaled, can exceed 2^30 bytes (RFC 7323 2.3), so a
// larger cwnd would mean nothing; stopping there also leaves the connection
// headroom for its 3*SMSS recovery inflation in 32 bits.
constexpr std::uint32_t kMaxCwnd = 1u << 30;

// RFC 6928 2: IW = min(10*MSS, max(2*MSS, 14600)).
std::uint32_t initial_window(std::uint32_t smss);

class NewReno : public CongestionControl {
public:
    explicit NewReno(std::uint32_t smss);

    std::string_view name() const override { return "newreno"; }
    void on_ack(std::uint32_t bytes_acked, Duration rtt, Time now) override;
    void on_fast_retransmit(std::uint32_t flight_size, Time now) override;
    void on_recovery_exit(Time now) override;
    void on_rto(std::uint32_t flight_size, Time now) override;
    void on_idle_restart(Time now) override;

    std::uint32_t cwnd() const override { return cwnd_; }
    std::uint32_t ssthresh() const override { return ssthresh_; }
    void set_cwnd(std::uint32_t cwnd) override;
    void set_smss(std::uint32_t smss) override { smss_ = std::max<std::uint32_t>(smss, 1); }

protected:
    // RFC 5681 3.1: below ssthresh, grow by what was acked, at most SMSS.
    void slow_start(std::uint32_t bytes_acked);
    virtual void congestion_avoidance(std::uint32_t bytes_acked, Time now);
    // Sets both, keeping cwnd in [SMSS, kMaxCwnd], and logs what changed.
    void update(std::uint64_t cwnd, std::uint32_t ssthresh, std::string_view why);
    std::uint32_t smss_;
    std::uint32_t cwnd_;
    std::uint32_t ssthresh_;
    // A timeout and no new ACK since. RFC 5681 3.1 cuts ssthresh only if the
    // segment has not been resent by the timer already; a timeout with no
    // progress since the last one is that same segment again (backoff).
    bool timed_out_ = false;

private:
    std::uint32_t bytes_acked_ = 0;  // RFC 3465 2.1 byte counter, <= cwnd
};

}  // namespace tcp
