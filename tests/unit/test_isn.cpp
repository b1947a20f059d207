// Initial sequence numbers (RFC 6528) and the SipHash-2-4 behind them.
#include <doctest/doctest.h>

#include <random>

#include <array>
#include <cstdint>

#include "tcp/isn.hpp"

using namespace tcp;

namespace {
const std::array<std::uint64_t, 2> kKey1{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
const std::array<std::uint64_t, 2> kKey2{0x1111111111111111ull, 0x2222222222222222ull};
const Tuple kTuple{0x0a000001, 40000, 0x0a000002, 7};
}  // namespace

TEST_CASE("SipHash-2-4 matches the reference vector of the SipHash paper") {
    // Appendix A of Aumasson & Bernstein: key 00..0f, message 00..0e.
    std::uint8_t msg[15];
    for (int i = 0; i < 15; ++i) msg[i] = static_cast<std::uint8_t>(i);
    CHECK(siphash24(kKey1, msg, sizeof msg) == 0xa129ca6149be45e5ull);
}

TEST_CASE("RFC 6528 3: the ISN differs per connection 4-tuple") {
    const IsnGenerator g(kKey1);
    Tuple other_port = kTuple, other_ip = kTuple, swapped = kTuple;
    other_port.local_port += 1;
    other_ip.remote_ip += 1;
    std::swap(swapped.local_port, swapped.remote_port);
    const Seq isn = g.next(kTuple, Time{0});
    CHECK(g.next(other_port, Time{0}) != isn);
    CHECK(g.next(other_ip, Time{0}) != isn);
    CHECK(g.next(swapped, Time{0}) != isn);
    CHECK(g.next(kTuple, Time{0}) == isn);  // F is a function of the tuple
}

TEST_CASE("RFC 6528 3: for one tuple the ISN advances with a 4 microsecond clock") {
    const IsnGenerator g(kKey1);
    const Seq base = g.next(kTuple, Time{0});
    CHECK(g.next(kTuple, Time{3}) == base);  // within one tick
    CHECK(g.next(kTuple, Time{4}) == base + 1);
    CHECK(g.next(kTuple, Time{4'000}) == base + 1'000);
    // 2^32 ticks (about 4.77 hours) later it has wrapped around to the start.
    CHECK(g.next(kTuple, Time{4ll << 32}) == base);
}

TEST_CASE("RFC 6528 3: generators with different secret keys give different ISNs") {
    const IsnGenerator a(kKey1), b(kKey2);
    CHECK(a.next(kTuple, Time{0}) != b.next(kTuple, Time{0}));
    std::random_device rd;
    auto key = [&rd] { return std::array<std::uint64_t, 2>{(std::uint64_t{rd()} << 32) | rd(), rd()}; };
    CHECK(IsnGenerator(key()).next(kTuple, Time{0}) != IsnGenerator(key()).next(kTuple, Time{0}));
}
