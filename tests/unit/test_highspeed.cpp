// HighSpeed TCP (RFC 3649): its response function against the RFC's table
// of a(w) and b(w), and the controller's growth and cuts built on it.
#include <doctest/doctest.h>

#include <cstdint>

#include "tcp/highspeed.hpp"

using namespace tcp;

namespace {
constexpr std::uint32_t kSmss = 1000;

// Drives the controller into congestion avoidance at `segments` segments:
// a fast retransmit with that flight then sets cwnd = ssthresh.
HighSpeed at_window(std::uint32_t segments) {
    HighSpeed h(kSmss);
    h.on_fast_retransmit(2 * segments * kSmss, Time{0});  // ssthresh = flight/2 below 38
    h.set_cwnd(segments * kSmss);
    return h;
}
}  // namespace

TEST_CASE("RFC 3649 5: a(w) and b(w) match the RFC's table (Appendix B)") {
    // w, a(w), b(w) rows of RFC 3649's table: a(w) is the whole number the
    // formula reaches at that w, b(w) rounded to two places.
    struct Row {
        double w, a, b;
    };
    for (const Row r : {Row{38, 1, 0.50}, Row{118, 2, 0.44}, Row{221, 3, 0.41},
                        Row{347, 4, 0.38}, Row{495, 5, 0.37}, Row{663, 6, 0.35},
                        Row{851, 7, 0.34}, Row{1058, 8, 0.33}, Row{1284, 9, 0.32},
                        Row{1529, 10, 0.31}}) {
        CAPTURE(r.w);
        CHECK(hs_a(r.w) == doctest::Approx(r.a).epsilon(0.02));
        CHECK(hs_b(r.w) == doctest::Approx(r.b).epsilon(0.02));
    }
    CHECK(hs_b(kHsHighWindow) == doctest::Approx(kHsHighDecrease));
    CHECK(hs_p(kHsHighWindow) == doctest::Approx(kHsHighP).epsilon(0.1));
}

TEST_CASE("RFC 3649 5: at or below Low_Window it is Standard TCP") {
    CHECK(hs_a(1) == 1);
    CHECK(hs_a(kHsLowWindow) == 1);
    CHECK(hs_b(10) == 0.5);
    CHECK(hs_a(kHsLowWindow + 1) > 0.9);
    // a(w) rises and b(w) falls monotonically above it.
    for (double w = 40; w < kHsHighWindow; w *= 1.5) {
        CAPTURE(w);
        CHECK(hs_a(w * 1.5) > hs_a(w));
        CHECK(hs_b(w * 1.5) < hs_b(w));
    }
}

TEST_CASE("RFC 3649 5: congestion avoidance grows by a(w) segments per window acked") {
    for (const std::uint32_t w : {20u, 118u, 1058u}) {
        CAPTURE(w);
        HighSpeed h = at_window(w);
        REQUIRE(h.cwnd() == w * kSmss);
        REQUIRE(h.cwnd() == h.ssthresh());
        const double a = hs_a(w);
        for (std::uint32_t i = 0; i < w; ++i) h.on_ack(kSmss, 100ms, Time{0});
        const double grown = (static_cast<double>(h.cwnd()) - w * kSmss) / kSmss;
        CHECK(grown == doctest::Approx(a).epsilon(0.05));
    }
}

TEST_CASE("RFC 3649 5: a loss takes b(w) of the window, not a half, above Low_Window") {
    HighSpeed small = at_window(20);
    small.on_fast_retransmit(20 * kSmss, Time{0});
    CHECK(small.ssthresh() == 10 * kSmss);

    HighSpeed big = at_window(1058);
    big.on_fast_retransmit(1058 * kSmss, Time{0});
    const double kept = static_cast<double>(big.ssthresh()) / (1058 * kSmss);
    CHECK(kept == doctest::Approx(1 - hs_b(1058)).epsilon(0.01));  // about 0.67
    CHECK(big.cwnd() == big.ssthresh());

    HighSpeed timed = at_window(1058);
    timed.on_rto(1058 * kSmss, Time{0});
    CHECK(timed.cwnd() == kSmss);  // RFC 5681 3.1 loss window
    CHECK(timed.ssthresh() == big.ssthresh());
    timed.on_rto(kSmss, Time{0});  // the same segment again: ssthresh kept
    CHECK(timed.ssthresh() == big.ssthresh());
}
