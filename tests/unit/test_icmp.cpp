// ICMP (RFC 792) against the kernel's echo request/reply and port unreachable.
#include <doctest/doctest.h>

#include "ip/icmp.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;
using base::ParseError;

namespace {
constexpr std::uint32_t kA = 0xc0000201;  // 192.0.2.1
constexpr std::uint32_t kB = 0xc0000202;  // 192.0.2.2
constexpr std::size_t kIcmpAt = kEth + kIp;
}  // namespace

TEST_CASE("RFC 792 Echo: every field of the kernel's echo request") {
    // tcpdump: ICMP echo request, id 4459, seq 1, length 64; tshark: Checksum: 0x34b6 [correct]
    const Buf icmp = copy(captured::kEchoRequest, kIcmpAt);
    auto r = ip::parse_icmp(icmp);
    REQUIRE(r.ok());
    const ip::IcmpMessage& m = r->message;
    CHECK(m.type == ip::icmp_type::Echo);
    CHECK(m.code == 0);
    CHECK(m.checksum == 0x34b6);
    CHECK(m.id == 4459);
    CHECK(m.seq == 1);
    CHECK(m.data.size() == 56);  // ping -s default: 8-byte timestamp + 48 fill bytes
    CHECK(m.data[55] == 0x37);
    CHECK_FALSE(m.is_error());
}

TEST_CASE("RFC 792 Echo Reply: the kernel's reply, and the reply we would build") {
    // tcpdump: ICMP echo reply, id 4459, seq 1, length 64; tshark: Checksum: 0x3cb6 [correct]
    const Buf reply = copy(captured::kEchoReply, kIcmpAt);
    auto r = ip::parse_icmp(reply);
    REQUIRE(r.ok());
    CHECK(r->message.type == ip::icmp_type::EchoReply);
    CHECK(r->message.checksum == 0x3cb6);
    CHECK(r->message.id == 4459);
    // RFC 792 p.14: the reply echoes id, seq and data; only the type changes.
    auto req = ip::parse_icmp(view(captured::kEchoRequest, kIcmpAt));
    REQUIRE(req.ok());
    ip::IcmpMessage answer = req->message;
    answer.type = ip::icmp_type::EchoReply;
    Buf out(reply.size());
    REQUIRE(ip::build_icmp(out, answer) == reply.size());
    CHECK(out == reply);
}

TEST_CASE("RFC 792 Echo: the builder reproduces the kernel's request") {
    const Buf icmp = copy(captured::kEchoRequest, kIcmpAt);
    auto r = ip::parse_icmp(icmp);
    REQUIRE(r.ok());
    Buf out(icmp.size());
    REQUIRE(ip::build_icmp(out, r->message) == icmp.size());
    CHECK(out == icmp);
    Buf small(icmp.size() - 1);
    CHECK(ip::build_icmp(small, r->message) == 0);
}

TEST_CASE("RFC 792 Destination Unreachable: the kernel's port unreachable and its quote") {
    // tcpdump: ICMP 192.0.2.2 udp port 5999 unreachable, length 43
    //   (tos 0x0, ttl 64, id 64108, offset 0, flags [DF], proto UDP (17), length 35)
    //   192.0.2.1.58451 > 192.0.2.2.5999
    // tshark: Type: 3, Code: 3 (Port unreachable), Checksum: 0x8121 [correct]
    const Buf icmp = copy(captured::kPortUnreachable, kIcmpAt);
    auto r = ip::parse_icmp(icmp);
    REQUIRE(r.ok());
    CHECK(r->message.type == ip::icmp_type::DestinationUnreachable);
    CHECK(r->message.code == ip::unreachable::Port);
    CHECK(r->message.checksum == 0x8121);
    CHECK(r->message.is_error());
    CHECK(r->message.data.size() == 35);  // Linux quotes the whole short datagram
    const ip::Ipv4Header& o = r->original.header;
    CHECK(o.id == 64108);
    CHECK(o.df);
    CHECK(o.protocol == ip::kProtoUdp);
    CHECK(o.src == kA);
    CHECK(o.dst == kB);
    const auto ports = ip::quoted_ports(r->original);
    REQUIRE(ports);
    CHECK(ports->src == 58451);
    CHECK(ports->dst == 5999);
    CHECK_FALSE(ip::quoted_echo(*r));  // it quotes UDP, not an echo
    // Rebuilt from the parsed message (with the same quote), the bytes match.
    Buf out(icmp.size());
    REQUIRE(ip::build_icmp(out, r->message) == icmp.size());
    CHECK(out == icmp);
}

TEST_CASE("RFC 792: an error quotes the internet header plus 64 bits of data") {
    const Buf udp_ip = copy(captured::kUdpDatagram, kEth);  // 39-byte datagram
    const base::Bytes quote = ip::icmp_error_quote(udp_ip);
    CHECK(quote.size() == 28);
    CHECK(quote.data() == udp_ip.data());
    CHECK(ip::icmp_error_quote(bytes(udp_ip).first(24)).size() == 24);  // shorter: all of it
    CHECK(ip::icmp_error_quote({}).empty());
}

TEST_CASE("RFC 792 Time Exceeded: build and parse round trip") {
    const Buf udp_ip = copy(captured::kUdpDatagram, kEth);
    ip::IcmpMessage m;
    m.type = ip::icmp_type::TimeExceeded;
    m.code = ip::time_exceeded::TtlInTransit;
    m.data = ip::icmp_error_quote(udp_ip);
    Buf out(8 + 28);
    REQUIRE(ip::build_icmp(out, m) == out.size());
    CHECK(out[4] == 0);  // RFC 792: the second word is unused, zero
    CHECK(ip::checksum(out) == 0);
    auto r = ip::parse_icmp(out);
    REQUIRE(r.ok());
    CHECK(r->message.type == ip::icmp_type::TimeExceeded);
    CHECK(r->message.code == ip::time_exceeded::TtlInTransit);
    CHECK(r->original.header.id == 8852);
    CHECK(r->original.payload.size() == 8);
}

TEST_CASE("RFC 1191 4: fragmentation needed carries the next-hop MTU in the low half") {
    const Buf udp_ip = copy(captured::kUdpDatagram, kEth);
    ip::IcmpMessage m;
    m.type = ip::icmp_type::DestinationUnreachable;
    m.code = ip::unreachable::FragmentationNeeded;
    m.next_hop_mtu = 1400;
    m.data = ip::icmp_error_quote(udp_ip);
    Buf out(36);
    REQUIRE(ip::build_icmp(out, m) == 36);
    CHECK(base::get_u16(out.data() + 4) == 0);
    CHECK(base::get_u16(out.data() + 6) == 1400);
    auto r = ip::parse_icmp(out);
    REQUIRE(r.ok());
    CHECK(r->message.next_hop_mtu == 1400);
}

TEST_CASE("RFC 792: a message shorter than 8 bytes is truncated, at every length") {
    const Buf icmp = copy(captured::kEchoRequest, kIcmpAt);
    for (std::size_t n = 0; n < 8; ++n)
        CHECK(ip::parse_icmp(bytes(icmp).first(n)).error == ParseError::Truncated);
}

TEST_CASE("RFC 792: the checksum covers the whole message, data included") {
    Buf icmp = copy(captured::kEchoRequest, kIcmpAt);
    icmp.back() ^= 0x01;
    CHECK(ip::parse_icmp(icmp).error == ParseError::BadChecksum);
    CHECK(ip::parse_icmp(icmp, /*verify=*/false).ok());
    // A message cut short no longer sums to its checksum either.
    const Buf whole = copy(captured::kEchoRequest, kIcmpAt);
    CHECK(ip::parse_icmp(bytes(whole).first(60)).error == ParseError::BadChecksum);
}

TEST_CASE("RFC 1122 3.2.2: a type we do not handle is unsupported (silently discarded)") {
    Buf icmp = copy(captured::kEchoRequest, kIcmpAt);
    icmp[0] = 13;  // Timestamp
    fix_checksum(icmp, 2);
    const auto r = ip::parse_icmp(icmp);
    CHECK(r.error == ParseError::Unsupported);
    CHECK(r.value.message.type == 13);  // still there, for a trace to name
}

TEST_CASE("RFC 792: an error about one of our echo requests names its identifier and sequence") {
    // The kernel's echo request (id 4459, seq 1) in its IPv4 header, quoted
    // by a Time Exceeded as a router would.
    const Buf echo_ip = copy(captured::kEchoRequest, kEth);
    ip::IcmpMessage m;
    m.type = ip::icmp_type::TimeExceeded;
    m.data = ip::icmp_error_quote(echo_ip);
    Buf out(8 + 28);
    REQUIRE(ip::build_icmp(out, m) == out.size());
    auto r = ip::parse_icmp(out);
    REQUIRE(r.ok());
    CHECK_FALSE(ip::quoted_ports(r->original));  // ICMP has no ports
    const auto echo = ip::quoted_echo(*r);
    REQUIRE(echo);
    CHECK(echo->id == 4459);
    CHECK(echo->seq == 1);
    // The echo request itself is no error, and quotes nothing.
    auto req = ip::parse_icmp(view(captured::kEchoRequest, kIcmpAt));
    REQUIRE(req.ok());
    CHECK_FALSE(ip::quoted_echo(*req));
}

TEST_CASE("RFC 792: an error whose quote is not an IP header plus 8 bytes is rejected") {
    Buf icmp = copy(captured::kPortUnreachable, kIcmpAt);
    icmp.resize(8 + 27);  // header + 7 bytes of the datagram
    fix_checksum(icmp, 2);
    CHECK(ip::parse_icmp(icmp).error == ParseError::BadLength);
    Buf not_v4 = copy(captured::kPortUnreachable, kIcmpAt);
    not_v4[8] = 0x65;
    fix_checksum(not_v4, 2);
    CHECK(ip::parse_icmp(not_v4).error == ParseError::BadVersion);
}

TEST_CASE("ICMP type and code names") {
    CHECK(ip::icmp_type_name(8) == "Echo");
    CHECK(ip::icmp_type_name(3) == "DestinationUnreachable");
    CHECK(ip::icmp_type_name(42) == "unknown");
    CHECK(ip::icmp_code_name(3, 3) == "PortUnreachable");
    CHECK(ip::icmp_code_name(11, 1) == "ReassemblyTimeExceeded");
    CHECK(ip::icmp_code_name(3, 99) == "unknown");
}
