// ip::TokenBucket, the ICMP error rate limit (RFC 1812 4.3.2.8).
#include <doctest/doctest.h>

#include "ip/rate_limit.hpp"

using namespace std::chrono_literals;

TEST_CASE("rate limit: a burst, then the rate; idle time refills only up to the burst") {
    ip::TokenBucket b(1000, 50);
    int n = 0;
    for (int i = 0; i < 100; ++i) n += b.take(base::Time(1s));
    CHECK(n == 50);
    CHECK_FALSE(b.take(base::Time(1s)));
    CHECK(b.take(base::Time(1s) + 1ms));  // 1000 a second: one per millisecond
    CHECK_FALSE(b.take(base::Time(1s) + 1ms));
    n = 0;
    for (int i = 0; i < 100; ++i) n += b.take(base::Time(60s));
    CHECK(n == 50);
}

TEST_CASE("rate limit: fractions of a token add up across calls") {
    ip::TokenBucket b(10, 1);  // one per 100 ms
    CHECK(b.take(base::Time(0)));
    int n = 0;
    for (int ms = 1; ms <= 1000; ++ms) n += b.take(base::Time(std::chrono::milliseconds(ms)));
    CHECK(n == 10);
}
