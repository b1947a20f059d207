// RFC 1071 checksum and mod-2^32 sequence arithmetic.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "ip/checksum.hpp"
#include "tcp/seq.hpp"

namespace {
// The obvious byte-at-a-time reference (RFC 1071 4.1), to check the wide one.
std::uint16_t reference_checksum(const std::vector<std::uint8_t>& d) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < d.size(); i += 2) sum += (d[i] << 8) | d[i + 1];
    if (d.size() & 1) sum += d.back() << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}
}  // namespace

TEST_CASE("RFC 1071: checksum of the example in section 3") {
    // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 (folded).
    std::vector<std::uint8_t> d{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK(ip::checksum(d) == static_cast<std::uint16_t>(~0xddf2));
}

TEST_CASE("RFC 1071: wide checksum equals the byte-wise reference for every length") {
    std::mt19937 rng(1);
    for (std::size_t n = 0; n < 300; ++n) {
        std::vector<std::uint8_t> d(n);
        for (auto& b : d) b = static_cast<std::uint8_t>(rng());
        CHECK(ip::checksum(d) == reference_checksum(d));
    }
    std::vector<std::uint8_t> ff(4096, 0xff);  // worst case for carries
    CHECK(ip::checksum(ff) == reference_checksum(ff));
}

TEST_CASE("RFC 1071: a checksum split across odd-length pieces equals the whole") {
    std::mt19937 rng(2);
    std::vector<std::uint8_t> d(1001);
    for (auto& b : d) b = static_cast<std::uint8_t>(rng());
    for (std::size_t cut : {0u, 1u, 3u, 500u, 999u, 1001u}) {
        ip::Checksum c;
        c.add(std::span(d).first(cut));
        c.add(std::span(d).subspan(cut));
        CHECK(c.finish() == reference_checksum(d));
    }
}

TEST_CASE("RFC 9293 3.4: sequence comparisons wrap modulo 2^32") {
    using namespace tcp;
    CHECK(seq_lt(0xfffffff0u, 5u));
    CHECK(seq_gt(5u, 0xfffffff0u));
    CHECK(seq_le(7u, 7u));
    CHECK(seq_in(0u, 0xffffff00u, 0x100u));
    CHECK_FALSE(seq_in(0x100u, 0xffffff00u, 0x100u));
    CHECK(seq_in_left_open(0x100u, 0xffffff00u, 0x100u));
    CHECK(seq_max(0xffffffffu, 1u) == 1u);
    CHECK(seq_diff(2u, 0xffffffffu) == 3);
}
