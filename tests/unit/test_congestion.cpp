// Congestion control: NewReno against RFC 5681/6928/6582, CUBIC against the
// formulas of RFC 9438, and both against overflow.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "tcp/congestion.hpp"
#include "tcp/cubic.hpp"
#include "tcp/newreno.hpp"

using namespace tcp;

namespace {
constexpr std::uint32_t kSmss = 1460;
constexpr Duration kRtt = 100ms;

// One RTT in which every segment of the current window is acked separately,
// the ACKs spread evenly over the RTT.
void ack_one_window(CongestionControl& cc, Time& now, Duration rtt = kRtt) {
    const std::uint32_t segments = cc.cwnd() / kSmss;
    for (std::uint32_t i = 0; i < segments; ++i) cc.on_ack(kSmss, rtt, now + rtt * i / segments);
    now += rtt;
}
}  // namespace

TEST_CASE("RFC 6928 2: the initial window is min(10*MSS, max(2*MSS, 14600))") {
    CHECK(initial_window(1460) == 14600);
    CHECK(initial_window(536) == 5360);
    CHECK(initial_window(9000) == 18000);
    CHECK(initial_window(100) == 1000);
    CHECK(NewReno(1460).cwnd() == 14600);
    CHECK(Cubic(1460).cwnd() == 14600);
}

TEST_CASE("RFC 5681 3.1: the initial ssthresh is arbitrarily high") {
    CHECK(NewReno(kSmss).ssthresh() == kMaxCwnd);
}

TEST_CASE("make_congestion_control knows newreno, cubic and highspeed, and nothing else") {
    CHECK(make_congestion_control("newreno", kSmss)->name() == "newreno");
    CHECK(make_congestion_control("cubic", kSmss)->name() == "cubic");
    CHECK(make_congestion_control("highspeed", kSmss)->name() == "highspeed");
    CHECK(make_congestion_control("vegas", kSmss) == nullptr);
}

TEST_CASE("RFC 5681 3.1: slow start doubles cwnd per RTT worth of ACKs") {
    for (const char* name : {"newreno", "cubic"}) {
        auto cc = make_congestion_control(name, kSmss);
        Time now{0};
        for (std::uint32_t expected : {29200u, 58400u, 116800u, 233600u}) {
            ack_one_window(*cc, now);
            CHECK(cc->cwnd() == expected);
        }
    }
}

TEST_CASE("RFC 3465 2.2: a stretch ACK grows slow start by the bytes it covers, at most cwnd") {
    NewReno cc(kSmss);
    cc.on_ack(10 * kSmss, kRtt, Time{0});  // one ACK for ten segments
    CHECK(cc.cwnd() == 14600 + 10 * kSmss);
    cc.on_ack(100, kRtt, Time{0});
    CHECK(cc.cwnd() == 14600 + 10 * kSmss + 100);
    cc.on_ack(100 * kSmss, kRtt, Time{0});  // more than cwnd: at most doubles
    CHECK(cc.cwnd() == 2 * (14600 + 10 * kSmss + 100));
}

TEST_CASE("RFC 3465 2.3: after an RTO, an ACK of a whole old window grows cwnd by L = 2*SMSS") {
    NewReno cc(kSmss);
    cc.on_rto(100 * kSmss, Time{0});
    REQUIRE(cc.cwnd() == kSmss);
    cc.on_ack(50 * kSmss, kRtt, Time{0});
    CHECK(cc.cwnd() == 3 * kSmss);
}

TEST_CASE("RFC 5681 3.1: congestion avoidance grows by one SMSS per window of bytes acked") {
    NewReno cc(kSmss);
    cc.on_fast_retransmit(100 * kSmss, Time{0});
    cc.on_recovery_exit(Time{0});
    REQUIRE(cc.cwnd() == 50 * kSmss);
    REQUIRE(cc.cwnd() == cc.ssthresh());  // at equality: congestion avoidance
    Time now{0};
    for (std::uint32_t rtt = 1; rtt <= 20; ++rtt) {
        ack_one_window(cc, now);
        CHECK(cc.cwnd() == (50 + rtt) * kSmss);  // linear, not doubling
    }
    // Delayed ACKs (two segments each) grow it at the same rate per RTT.
    const std::uint32_t before = cc.cwnd();
    for (std::uint32_t acked = 0; acked < before; acked += 2 * kSmss) cc.on_ack(2 * kSmss, kRtt, now);
    CHECK(cc.cwnd() == before + kSmss);
}

TEST_CASE("RFC 5681 eq. 4: fast retransmit sets ssthresh = max(FlightSize/2, 2*SMSS)") {
    NewReno cc(kSmss);
    cc.on_fast_retransmit(100'000, Time{0});
    CHECK(cc.ssthresh() == 50'000);
    CHECK(cc.cwnd() == 50'000);  // the connection adds the 3*SMSS inflation

    // From the flight size, not cwnd: a big cwnd with little in flight.
    NewReno big(kSmss);
    Time now{0};
    for (int i = 0; i < 5; ++i) ack_one_window(big, now);
    REQUIRE(big.cwnd() > 400'000);
    big.on_fast_retransmit(3000, now);
    CHECK(big.ssthresh() == 2 * kSmss);  // 1500 < 2*SMSS: the floor
    CHECK(big.cwnd() == 2 * kSmss);
}

TEST_CASE("RFC 5681 3.1: a timeout sets cwnd to the loss window of one SMSS") {
    NewReno cc(kSmss);
    cc.on_rto(40'000, Time{0});
    CHECK(cc.cwnd() == kSmss);
    CHECK(cc.ssthresh() == 20'000);
    // The same segment timing out again (no new ACK between) keeps ssthresh.
    cc.on_rto(kSmss, Time{1'000'000});
    CHECK(cc.ssthresh() == 20'000);
    CHECK(cc.cwnd() == kSmss);
    // After progress, a new timeout computes it again.
    cc.on_ack(kSmss, kRtt, Time{2'000'000});
    cc.on_rto(2 * kSmss, Time{3'000'000});
    CHECK(cc.ssthresh() == 2 * kSmss);
}

TEST_CASE("RFC 6582 3.2: the connection inflates cwnd in recovery; exit deflates to ssthresh") {
    NewReno cc(kSmss);
    cc.on_fast_retransmit(60 * kSmss, Time{0});
    cc.set_cwnd(cc.ssthresh() + 3 * kSmss);
    CHECK(cc.cwnd() == 33 * kSmss);
    cc.on_recovery_exit(Time{0});
    CHECK(cc.cwnd() == 30 * kSmss);
    cc.set_cwnd(0);  // never below one segment
    CHECK(cc.cwnd() == kSmss);
}

TEST_CASE("RFC 5681 4.1: after idle, cwnd restarts at min(IW, cwnd)") {
    NewReno cc(kSmss);
    Time now{0};
    ack_one_window(cc, now);
    ack_one_window(cc, now);
    REQUIRE(cc.cwnd() > initial_window(kSmss));
    cc.on_idle_restart(now);
    CHECK(cc.cwnd() == initial_window(kSmss));
    cc.on_rto(10 * kSmss, now);
    cc.on_idle_restart(now);
    CHECK(cc.cwnd() == kSmss);  // already below IW: unchanged
}

TEST_CASE("cwnd never overflows or underflows after millions of ACKs with huge byte counts") {
    for (const char* name : {"newreno", "cubic"}) {
        auto cc = make_congestion_control(name, kSmss);
        constexpr auto kHuge = std::numeric_limits<std::uint32_t>::max();
        std::uint32_t last = cc->cwnd();
        bool monotonic = true;  // a wrap would show as a sudden drop
        Time now{0};
        for (int i = 0; i < 3'000'000; ++i) {
            cc->on_ack(kHuge, Duration{1}, now);
            now += Duration{1};
            monotonic = monotonic && cc->cwnd() >= last;
            last = cc->cwnd();
        }
        CHECK_MESSAGE(monotonic, name);
        CHECK(cc->cwnd() == kMaxCwnd);
        cc->on_fast_retransmit(kHuge, now);
        CHECK(cc->cwnd() <= kMaxCwnd);
        CHECK(cc->ssthresh() <= kMaxCwnd);
        for (int i = 0; i < 1'000'000; ++i) cc->on_ack(kHuge, Duration{1}, now += Duration{1});
        CHECK(cc->cwnd() == kMaxCwnd);
        cc->set_cwnd(kHuge);
        CHECK(cc->cwnd() == kMaxCwnd);
        cc->on_fast_retransmit(0, now);
        CHECK(cc->cwnd() == 2 * kSmss);
    }
}

TEST_CASE("RFC 9438 4.2: K and W_cubic(t) equal the hand-computed values") {
    // W_max = 100, cwnd_epoch = 70 segments: K = cbrt(30 / 0.4) = cbrt(75).
    const double k = cubic_k(100, 70);
    CHECK(k == doctest::Approx(4.2171633265));
    CHECK(cubic_window(0, k, 100) == doctest::Approx(70));  // starts at cwnd_epoch
    CHECK(cubic_window(k, k, 100) == doctest::Approx(100));  // plateau at W_max after K
    CHECK(cubic_window(2, k, 100) == doctest::Approx(95.6403356866));  // 0.4*(2-K)^3+100
    CHECK(cubic_window(k + 1, k, 100) == doctest::Approx(100.4));
    CHECK(cubic_window(10, k, 100) == doctest::Approx(177.3539990884));
    // W_max = 1000, cwnd_epoch = 700: K = cbrt(750) = 9.0856.
    CHECK(cubic_k(1000, 700) == doctest::Approx(9.0856029642));
    CHECK(kCubicAlpha == doctest::Approx(0.5294117647));  // 3*(1-0.7)/(1+0.7)
}

TEST_CASE("RFC 9438 4.6: a loss cuts ssthresh and cwnd to beta_cubic = 0.7 of the flight") {
    Cubic cc(kSmss);
    cc.on_fast_retransmit(100 * kSmss, Time{0});
    CHECK(cc.ssthresh() == 70 * kSmss);
    CHECK(cc.cwnd() == 70 * kSmss);
    Cubic small(kSmss);
    small.on_fast_retransmit(2 * kSmss, Time{0});
    CHECK(small.ssthresh() == 2 * kSmss);  // at least 2 segments
    Cubic rto(kSmss);
    rto.on_rto(100 * kSmss, Time{0});
    CHECK(rto.ssthresh() == 70 * kSmss);  // 4.8: beta_cubic, not 1/2
    CHECK(rto.cwnd() == kSmss);           // and Reno's loss window
}

TEST_CASE("RFC 9438 4.7: fast convergence lowers W_max after a loss below the last one") {
    Cubic cc(kSmss);
    cc.set_cwnd(100 * kSmss);
    cc.on_fast_retransmit(100 * kSmss, Time{0});
    CHECK(cc.w_max() == doctest::Approx(100));
    cc.set_cwnd(80 * kSmss);
    cc.on_fast_retransmit(80 * kSmss, Time{0});
    CHECK(cc.w_max() == doctest::Approx(80 * 1.7 / 2));
}

TEST_CASE("RFC 9438 4.2: in congestion avoidance cwnd follows W_cubic of the time since the loss") {
    // A big window, so that the Reno estimate (4.3) stays below the curve
    // throughout: W_est gains ~0.53 segments per RTT, W_cubic far more.
    Cubic cc(kSmss);
    cc.set_cwnd(1000 * kSmss);
    Time now{0};
    cc.on_fast_retransmit(1000 * kSmss, now);
    cc.on_recovery_exit(now);
    cc.on_ack(kSmss, kRtt, now);  // the first ACK starts the epoch at cwnd_epoch = 700
    CHECK(cc.w_max() == doctest::Approx(1000));
    CHECK(cc.k() == doctest::Approx(cubic_k(1000, 700)));
    while (now < 15s) {
        ack_one_window(cc, now);
        // Each ACK aims at W_cubic one RTT ahead: cwnd stays between the
        // curve now and the curve an RTT ahead, give or take a segment.
        const double t = std::chrono::duration<double>(now).count();
        const double w = static_cast<double>(cc.cwnd()) / kSmss;
        CHECK(w >= cubic_window(t, cc.k(), 1000) - 1);
        CHECK(w <= cubic_window(t + 0.1, cc.k(), 1000) + 1);
    }
    CHECK(cc.cwnd() > 1050 * kSmss);  // the convex region has taken it past W_max
}

TEST_CASE("RFC 9438 4.3: on a short RTT CUBIC grows at least as fast as Reno") {
    Cubic cc(kSmss);
    cc.set_cwnd(10 * kSmss);
    Time now{0};
    cc.on_fast_retransmit(10 * kSmss, now);
    cc.on_recovery_exit(now);
    const Duration rtt = 1ms;  // 1000 RTTs/s: W_cubic barely moves, W_est rules
    for (int i = 0; i < 100; ++i) ack_one_window(cc, now, rtt);
    // W_cubic(0.1 s) is still ~7 segments; Reno would be at 7 + ~100.
    CHECK(cubic_window(0.1, cc.k(), cc.w_max()) < 8);
    CHECK(cc.cwnd() / kSmss >= 95);
}

TEST_CASE("RFC 9438 4.8: after a timeout the next stage starts with K = 0, W_max = cwnd_epoch") {
    Cubic cc(kSmss);
    cc.set_cwnd(100 * kSmss);
    Time now{0};
    cc.on_fast_retransmit(100 * kSmss, now);  // W_max = 100
    cc.on_rto(40 * kSmss, now);                // ssthresh = 28 segments
    REQUIRE(cc.ssthresh() == 28 * kSmss);
    while (cc.cwnd() < cc.ssthresh()) cc.on_ack(kSmss, kRtt, now);  // slow start
    const double epoch_cwnd = static_cast<double>(cc.cwnd()) / kSmss;
    cc.on_ack(kSmss, kRtt, now);  // first ACK in congestion avoidance
    CHECK(cc.k() == 0);
    CHECK(cc.w_max() == doctest::Approx(epoch_cwnd));
}
