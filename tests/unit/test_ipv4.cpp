// IPv4 header parse/build (RFC 791 3.1) against packets the kernel sent.
#include <doctest/doctest.h>

#include <algorithm>

#include "ip/ipv4.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;
using base::ParseError;

namespace {
constexpr std::uint32_t kA = 0xc0000201;  // 192.0.2.1, the pinging side
constexpr std::uint32_t kB = 0xc0000202;  // 192.0.2.2
}  // namespace

TEST_CASE("RFC 791 3.1: every field of the kernel's echo request header") {
    // tcpdump: tos 0x0, ttl 64, id 44431, offset 0, flags [DF], proto ICMP (1), length 84
    const Buf ip = copy(captured::kEchoRequest, kEth);
    auto r = ip::parse_ipv4(ip);
    REQUIRE(r.ok());
    const ip::Ipv4Header& h = r->header;
    CHECK(h.ihl == 5);
    CHECK(h.tos == 0);
    CHECK(h.total_length == 84);
    CHECK(h.id == 44431);
    CHECK(h.df);
    CHECK_FALSE(h.mf);
    CHECK(h.frag_offset == 0);
    CHECK_FALSE(h.is_fragment());
    CHECK(h.ttl == 64);
    CHECK(h.protocol == ip::kProtoIcmp);
    CHECK(h.checksum == 0x0916);  // tshark: Header Checksum: 0x0916
    CHECK(h.src == kA);
    CHECK(h.dst == kB);
    CHECK(r->options.empty());
    CHECK(r->payload.size() == 64);
    CHECK(r->payload.data() == ip.data() + 20);
}

TEST_CASE("RFC 791 3.1: the kernel's echo reply, no DF, and the ICMP error with tos 0xc0") {
    // tcpdump: tos 0x0, ttl 64, id 6818, offset 0, flags [none], proto ICMP (1), length 84
    auto reply = ip::parse_ipv4(view(captured::kEchoReply, kEth));
    REQUIRE(reply.ok());
    CHECK(reply->header.id == 6818);
    CHECK_FALSE(reply->header.df);
    CHECK(reply->header.checksum == 0xdc03);
    CHECK(reply->header.src == kB);
    CHECK(reply->header.dst == kA);
    // tcpdump: tos 0xc0, ttl 64, id 7021, offset 0, flags [none], proto ICMP (1), length 63
    auto err = ip::parse_ipv4(view(captured::kPortUnreachable, kEth));
    REQUIRE(err.ok());
    CHECK(err->header.tos == 0xc0);
    CHECK(err->header.id == 7021);
    CHECK(err->header.total_length == 63);
    CHECK(err->payload.size() == 43);
}

TEST_CASE("RFC 791 3.2: a middle fragment's MF flag and offset in 8-byte units") {
    // tcpdump: tos 0x0, ttl 64, id 44436, offset 1480, flags [+], proto ICMP (1), length 1500
    // Only the header was kept; the payload here is zeros of the right length.
    Buf ip = copy(captured::kFragmentHeader, kEth);
    ip.resize(1500);
    auto r = ip::parse_ipv4(ip);
    REQUIRE(r.ok());
    CHECK(r->header.id == 44436);
    CHECK(r->header.mf);
    CHECK_FALSE(r->header.df);
    CHECK(r->header.frag_offset == 1480 / 8);
    CHECK(r->header.is_fragment());
    CHECK(r->header.checksum == 0x22d0);
    CHECK(r->payload.size() == 1480);
}

TEST_CASE("RFC 791 3.1: the builder reproduces the kernel's headers byte for byte") {
    for (Buf ip : {copy(captured::kEchoRequest, kEth), copy(captured::kEchoReply, kEth),
                   copy(captured::kFragmentHeader, kEth), copy(captured::kTcpSyn, kEth),
                   copy(captured::kTcpSynAck, kEth), copy(captured::kTcpData, kEth),
                   copy(captured::kUdpDatagram, kEth), copy(captured::kPortUnreachable, kEth)}) {
        CAPTURE(ip.size());
        ip.resize(std::max<std::size_t>(ip.size(), 1500));  // the fragment's payload was not kept
        auto r = ip::parse_ipv4(ip);
        REQUIRE(r.ok());
        Buf out(20);
        REQUIRE(ip::build_ipv4_header(out, r->header) == 20);
        CHECK(out == Buf(ip.begin(), ip.begin() + 20));
    }
}

TEST_CASE("RFC 791 3.1: the builder refuses a buffer shorter than the header") {
    Buf out(19);
    CHECK(ip::build_ipv4_header(out, ip::Ipv4Header{}) == 0);
}

TEST_CASE("RFC 894: Ethernet padding after Total Length is cut from the payload") {
    Buf ip = copy(captured::kUdpDatagram, kEth);  // 39 bytes; a NIC pads the frame to 60
    ip.resize(46, 0);
    auto r = ip::parse_ipv4(ip);
    REQUIRE(r.ok());
    CHECK(r->payload.size() == 39 - 20);
}

TEST_CASE("RFC 791 3.1: options are kept apart from the payload") {
    Buf ip = copy(captured::kUdpDatagram, kEth);
    // Insert a 4-byte option area (NOP NOP NOP EOL) and grow IHL and Total Length.
    ip.insert(ip.begin() + 20, {0x01, 0x01, 0x01, 0x00});
    ip[0] = 0x46;
    ip[3] = static_cast<std::uint8_t>(ip[3] + 4);
    fix_checksum(std::span(ip).first(24), 10);
    auto r = ip::parse_ipv4(ip);
    REQUIRE(r.ok());
    CHECK(r->header.ihl == 6);
    CHECK(r->options.size() == 4);
    CHECK(r->payload.size() == 19);
    CHECK(r->payload[0] == ip[24]);
}

TEST_CASE("RFC 791 3.1: a buffer shorter than 20 bytes is truncated, at every length") {
    const Buf ip = copy(captured::kEchoRequest, kEth);
    for (std::size_t n = 0; n < 20; ++n) {
        CAPTURE(n);
        CHECK(ip::parse_ipv4(bytes(ip).first(n)).error == ParseError::Truncated);
    }
}

TEST_CASE("RFC 791 3.1: version other than 4 is rejected") {
    Buf ip = copy(captured::kEchoRequest, kEth);
    ip[0] = 0x65;
    CHECK(ip::parse_ipv4(ip).error == ParseError::BadVersion);
}

TEST_CASE("RFC 791 3.1: IHL below 5 is rejected") {
    Buf ip = copy(captured::kEchoRequest, kEth);
    for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
        ip[0] = static_cast<std::uint8_t>(0x40 | ihl);
        CHECK(ip::parse_ipv4(ip).error == ParseError::BadHeaderLength);
    }
}

TEST_CASE("RFC 791 3.1: IHL*4 past the buffer is rejected") {
    Buf ip = copy(captured::kEchoRequest, kEth);
    ip.resize(24);
    ip[0] = 0x46;  // 24 bytes: fits
    CHECK(ip::parse_ipv4(ip, false).error == ParseError::BadTotalLength);  // 84 > 24
    ip[0] = 0x47;  // 28 bytes: does not
    CHECK(ip::parse_ipv4(ip, false).error == ParseError::BadHeaderLength);
}

TEST_CASE("RFC 791 3.1: Total Length below the header or past the buffer is rejected") {
    Buf ip = copy(captured::kEchoRequest, kEth);
    ip[2] = 0, ip[3] = 19;
    CHECK(ip::parse_ipv4(ip).error == ParseError::BadTotalLength);
    ip[3] = 85;  // one more than the 84 bytes we hold
    CHECK(ip::parse_ipv4(ip).error == ParseError::BadTotalLength);
    // Every cut of the real packet between header and total length lies.
    const Buf whole = copy(captured::kEchoRequest, kEth);
    for (std::size_t n = 20; n < whole.size(); ++n)
        CHECK(ip::parse_ipv4(bytes(whole).first(n)).error == ParseError::BadTotalLength);
}

TEST_CASE("RFC 791 3.1: a header checksum that does not verify is rejected unless told not to") {
    Buf ip = copy(captured::kEchoRequest, kEth);
    ip[8] = 63;  // a TTL changed without updating the checksum
    CHECK(ip::parse_ipv4(ip).error == ParseError::BadChecksum);
    CHECK(ip::parse_ipv4(ip, /*verify=*/false).ok());
    // The checksum covers the header only: corrupt payload still parses.
    Buf payload_bad = copy(captured::kEchoRequest, kEth);
    payload_bad[40] ^= 0xff;
    CHECK(ip::parse_ipv4(payload_bad).ok());
}

TEST_CASE("RFC 792: a quoted header is parsed though its datagram is cut short") {
    // The port unreachable quotes the UDP datagram: tcpdump (tos 0x0, ttl 64,
    // id 64108, offset 0, flags [DF], proto UDP (17), length 35) 58451 > 5999
    const Buf icmp = copy(captured::kPortUnreachable, kEth + kIp);
    auto q = ip::parse_ipv4_quoted(bytes(icmp).subspan(8));
    REQUIRE(q.ok());
    CHECK(q->header.id == 64108);
    CHECK(q->header.protocol == ip::kProtoUdp);
    CHECK(q->header.total_length == 35);
    CHECK(q->header.src == kA);
    CHECK(q->payload.size() == 15);
    // Fewer than 8 bytes of data after the header cannot carry the ports.
    CHECK(ip::parse_ipv4_quoted(bytes(icmp).subspan(8, 27)).error == ParseError::BadLength);
    CHECK(ip::parse_ipv4_quoted(bytes(icmp).subspan(8, 19)).error == ParseError::Truncated);
}

TEST_CASE("dotted quad: addresses print and parse") {
    CHECK(ip::addr_to_string(kA) == "192.0.2.1");
    CHECK(ip::addr_to_string(0) == "0.0.0.0");
    CHECK(ip::addr_to_string(0xffffffff) == "255.255.255.255");
    CHECK(ip::parse_addr("192.0.2.1") == kA);
    CHECK(ip::parse_addr("0.0.0.0") == 0u);
    CHECK(ip::parse_addr("255.255.255.255") == 0xffffffffu);
    CHECK(ip::parse_addr("10.0.100.9") == 0x0a006409u);
}

TEST_CASE("dotted quad: anything but four decimal parts of 0..255 is rejected") {
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "a.b.c.d",
                            "1.2.3.4x", "1.2.3.4.", ".1.2.3", "1..2.3", " 1.2.3.4", "1.2.3.4 ",
                            "1234.1.1.1", "01.2.3.4", "1.2.3.-4", "0x1.2.3.4"}) {
        CAPTURE(bad);
        CHECK_FALSE(ip::parse_addr(bad).has_value());
    }
}
