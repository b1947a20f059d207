// UDP (RFC 768) against the datagram the kernel sent with nc -u.
#include <doctest/doctest.h>

#include "ip/udp.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;
using base::ParseError;

namespace {
constexpr std::uint32_t kA = 0xc0000201;  // 192.0.2.1, the sender
constexpr std::uint32_t kB = 0xc0000202;  // 192.0.2.2
constexpr std::size_t kUdpAt = kEth + kIp;
}  // namespace

TEST_CASE("RFC 768: every field of the kernel's datagram, checksum verified") {
    // tcpdump: 192.0.2.1.54706 > 192.0.2.2.5001: [udp sum ok] UDP, length 11
    // tshark: Length: 19, Checksum: 0xbfa4
    const Buf udp = copy(captured::kUdpDatagram, kUdpAt);
    auto r = ip::parse_udp(udp, kA, kB);
    REQUIRE(r.ok());
    CHECK(r->header.src_port == 54706);
    CHECK(r->header.dst_port == 5001);
    CHECK(r->header.length == 19);
    CHECK(r->header.checksum == 0xbfa4);
    CHECK(text(r->payload) == "hello, udp\n");
}

TEST_CASE("RFC 768: the builder reproduces the kernel's datagram") {
    const Buf udp = copy(captured::kUdpDatagram, kUdpAt);
    auto r = ip::parse_udp(udp, kA, kB);
    REQUIRE(r.ok());
    Buf out(udp.size());
    REQUIRE(ip::build_udp(out, r->header, kA, kB, r->payload) == udp.size());
    CHECK(out == udp);
    Buf small(udp.size() - 1);
    CHECK(ip::build_udp(small, r->header, kA, kB, r->payload) == 0);
}

TEST_CASE("RFC 768: the pseudo-header binds the checksum to the addresses") {
    const Buf udp = copy(captured::kUdpDatagram, kUdpAt);
    CHECK(ip::parse_udp(udp, kA, kA).error == ParseError::BadChecksum);
    CHECK(ip::parse_udp(udp, kB, kA).ok());  // swapping src/dst keeps the same sum
}

TEST_CASE("RFC 768: a corrupted datagram fails the checksum unless told not to verify") {
    Buf udp = copy(captured::kUdpDatagram, kUdpAt);
    udp.back() ^= 0x20;
    CHECK(ip::parse_udp(udp, kA, kB).error == ParseError::BadChecksum);
    CHECK(ip::parse_udp(udp, kA, kB, /*verify=*/false).ok());
}

TEST_CASE("RFC 768: an all-zero checksum means none was computed") {
    Buf udp = copy(captured::kUdpDatagram, kUdpAt);
    udp[6] = udp[7] = 0;
    udp.back() ^= 0x20;  // not detectable without a checksum
    auto r = ip::parse_udp(udp, kA, kB);
    REQUIRE(r.ok());
    CHECK(r->header.checksum == 0);
}

TEST_CASE("RFC 768: a computed checksum of zero is sent as all ones") {
    // Choose the payload's one 16-bit word so the sum comes out at zero: with
    // the word zero the checksum is c, and adding c to the sum makes it 0xffff.
    Buf payload{0, 0};
    Buf out(10);
    REQUIRE(ip::build_udp(out, {.src_port = 1, .dst_port = 2}, kA, kB, payload) == 10);
    const std::uint16_t c = base::get_u16(out.data() + 6);
    payload = {static_cast<std::uint8_t>(c >> 8), static_cast<std::uint8_t>(c)};
    REQUIRE(ip::build_udp(out, {.src_port = 1, .dst_port = 2}, kA, kB, payload) == 10);
    CHECK(base::get_u16(out.data() + 6) == 0xffff);
    CHECK(ip::parse_udp(out, kA, kB).ok());
}

TEST_CASE("RFC 768: a datagram shorter than 8 bytes is truncated, at every length") {
    const Buf udp = copy(captured::kUdpDatagram, kUdpAt);
    for (std::size_t n = 0; n < 8; ++n)
        CHECK(ip::parse_udp(bytes(udp).first(n), kA, kB).error == ParseError::Truncated);
}

TEST_CASE("RFC 768: a length field below 8 or past the buffer is a lie") {
    Buf udp = copy(captured::kUdpDatagram, kUdpAt);
    for (std::uint8_t len : {0, 1, 7, 20, 255}) {
        CAPTURE(int{len});
        udp[4] = 0, udp[5] = len;
        CHECK(ip::parse_udp(udp, kA, kB, false).error == ParseError::BadLength);
    }
    // Every cut of the real datagram leaves its length field past the buffer.
    const Buf whole = copy(captured::kUdpDatagram, kUdpAt);
    for (std::size_t n = 8; n < whole.size(); ++n)
        CHECK(ip::parse_udp(bytes(whole).first(n), kA, kB).error == ParseError::BadLength);
}

TEST_CASE("RFC 768: bytes past the length field are not part of the datagram") {
    Buf udp = copy(captured::kUdpDatagram, kUdpAt);
    udp.push_back(0xee);
    auto r = ip::parse_udp(udp, kA, kB);
    REQUIRE(r.ok());
    CHECK(text(r->payload) == "hello, udp\n");
}
