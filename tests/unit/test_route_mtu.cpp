// os::RouteCache: the kernel's route MTU remembered per destination, and
// asked at most kLookupsPerSecond times a second (a SYN flood from forged
// sources must not turn into a system call per SYN). The kernel itself is
// asked once, for loopback.
#include <doctest/doctest.h>

#include <vector>

#include "os/source_address.hpp"

using namespace std::chrono_literals;
using base::Time;

TEST_CASE("route MTU cache: one lookup per destination while remembered, again after kKeep") {
    std::vector<std::uint32_t> asked;
    const os::KernelRoute eth{1500, false};
    os::RouteCache c([&](std::uint32_t dst) -> std::optional<os::KernelRoute> {
        asked.push_back(dst);
        return dst == 1 ? std::optional(eth) : std::nullopt;
    });
    CHECK(c.get(1, Time{0}) == eth);
    CHECK(c.get(1, Time{5s}) == eth);
    CHECK(c.get(2, Time{5s}) == std::nullopt);  // no route: remembered as such
    CHECK(c.get(2, Time{6s}) == std::nullopt);
    CHECK(asked == std::vector<std::uint32_t>{1, 2});
    CHECK(c.get(1, Time{11s}) == eth);  // kKeep (10 s) has passed
    CHECK(asked.size() == 3);
}

TEST_CASE("route MTU cache: at most kLookupsPerSecond new destinations a second") {
    unsigned n = 0;
    const os::KernelRoute jumbo{9000, false};
    os::RouteCache c([&](std::uint32_t) -> std::optional<os::KernelRoute> {
        ++n;
        return jumbo;
    });
    const unsigned limit = os::RouteCache::kLookupsPerSecond;
    unsigned answered = 0;
    for (std::uint32_t dst = 1; dst <= limit + 100; ++dst)
        if (c.get(dst, Time{100ms})) ++answered;
    CHECK(n == limit);
    CHECK(answered == limit);
    CHECK(c.get(5, Time{200ms}) == jumbo);                 // remembered ones still answer
    CHECK(c.get(limit + 50, Time{200ms}) == std::nullopt);  // not asked, not remembered
    CHECK(c.get(limit + 50, Time{1200ms}) == jumbo);       // the next second asks again
    CHECK(n == limit + 1);
}

TEST_CASE("kernel route: loopback's MTU, and local destinations are local") {
    const auto lo = os::kernel_route(0x7f000001);
    REQUIRE(lo);
    CHECK(lo->mtu >= 68);  // 65536 by default; whatever lo has here
    CHECK(lo->local);
    const auto lo5 = os::kernel_route(0x7f000005);  // all of 127/8 is this host's
    REQUIRE(lo5);
    CHECK(lo5->local);
}
