// Congestion control behind one small interface (RFC 9293 3.8.2 makes it a
// MUST; RFC 5681 is the baseline). The connection owns loss detection and the
// recovery state machine (fast retransmit, NewReno partial ACKs, RFC 6582);
// the controller only decides cwnd and ssthresh at the events below.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include "tcp/types.hpp"

namespace tcp {

class CongestionControl {
public:
    virtual ~CongestionControl() = default;
    virtual std::string_view name() const = 0;

    // New data acknowledged outside recovery: grow cwnd (slow start below
    // ssthresh, congestion avoidance above). `rtt` is the latest sample, or
    // zero if this ACK gave none.
    virtual void on_ack(std::uint32_t bytes_acked, Duration rtt, Time now) = 0;
    // Loss detected by three duplicate ACKs (RFC 5681 3.2 step 2): set
    // ssthresh from the flight size; cwnd becomes ssthresh (the connection
    // adds the 3*SMSS inflation itself during fast recovery).
    virtual void on_fast_retransmit(std::uint32_t flight_size, Time now) = 0;
    // Recovery ended by a full ACK (RFC 6582 3.2 step 3): deflate to ssthresh.
    virtual void on_recovery_exit(Time now) = 0;
    // Retransmission timeout (RFC 5681 3.1 eq. 4 and the loss window).
    virtual void on_rto(std::uint32_t flight_size, Time now) = 0;
    // RFC 5681 4.1: restart after an idle period longer than the RTO.
    virtual void on_idle_restart(Time now) = 0;

    virtual std::uint32_t cwnd() const = 0;
    virtual std::uint32_t ssthresh() const = 0;
    // During fast recovery the connection inflates/deflates cwnd directly
    // (RFC 6582 3.2 steps 4-5).
    virtual void set_cwnd(std::uint32_t cwnd) = 0;
    // The sender MSS changed (Path MTU Discovery, RFC 1191): increases and
    // the loss window count in the new size from now on.
    virtual void set_smss(std::uint32_t smss) = 0;
};

// "newreno" (RFC 5681 + RFC 6582), "cubic" (RFC 9438) or "highspeed"
// (RFC 3649); nullptr if unknown.
// `smss` is the sender MSS; the initial window follows RFC 6928.
std::unique_ptr<CongestionControl> make_congestion_control(std::string_view name,
                                                           std::uint32_t smss);

}  // namespace tcp
