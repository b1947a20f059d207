// The host's ICMP logic: echo replies (RFC 792, RFC 1122 3.2.2.6), the
// errors we send and when we must not (RFC 1122 3.2.2), and received errors
// turned into reports for TCP and UDP (RFC 1122 4.2.3.9).
#include <doctest/doctest.h>

#include "ip/checksum.hpp"
#include "ip/icmp_report.hpp"
#include "ip/icmp_responder.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/ip_test_util.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;
using ip_test::packet;

namespace {
constexpr std::uint32_t kA = 0xc0000201;  // 192.0.2.1, the kernel
constexpr std::uint32_t kB = 0xc0000202;  // 192.0.2.2, us
constexpr std::uint32_t kSubnetBroadcast = 0xc00002ff;
const ip::ReceivedOn kUnicast{kSubnetBroadcast, false, false};

// The offending datagram quoted whole in the kernel's port unreachable:
// 192.0.2.1.58451 > 192.0.2.2.5999, UDP, 7 bytes "closed\n".
Buf closed_port_datagram() { return copy(captured::kPortUnreachable, kEth + kIp + 8); }

Buf udp_from(std::uint32_t src, std::uint32_t dst) {
    ip::Ipv4Header h;
    h.protocol = ip::kProtoUdp;
    h.src = src;
    h.dst = dst;
    return packet(h, Buf{0x12, 0x34, 0x17, 0x6f, 0, 8, 0, 0});
}
}  // namespace

TEST_CASE("icmp: RFC 792 echo reply: our reply to the kernel's request equals the kernel's own reply") {
    const Buf request = copy(captured::kEchoRequest, kEth);
    auto ipv = ip::parse_ipv4(request);
    REQUIRE(ipv.ok());
    auto icmp = ip::parse_icmp(ipv->payload);
    REQUIRE(icmp.ok());
    Buf out(200);
    // The kernel's reply: id 6818, TTL 64, no flags, from the request's destination.
    const std::size_t n =
        ip::build_echo_reply(out, ipv->header, icmp->message, ipv->header.dst, 6818);
    REQUIRE(n == 84);
    out.resize(n);
    CHECK(out == copy(captured::kEchoReply, kEth));
    CHECK(ip::checksum(bytes(out).first(20)) == 0);        // IPv4 header checksum verifies
    CHECK(ip::checksum(bytes(out).subspan(20)) == 0);      // ICMP checksum verifies
}

TEST_CASE("icmp: RFC 1122 3.2.2.6: all the data comes back, from our specific address, with the request's TOS") {
    std::mt19937 rng(3);
    ip::IcmpMessage echo;
    echo.type = ip::icmp_type::Echo;
    echo.id = 77;
    echo.seq = 9;
    const Buf data = ip_test::random_bytes(4000, rng);  // ping -s 4000
    echo.data = data;
    ip::Ipv4Header req;
    req.tos = 0x10;
    req.src = kA;
    req.dst = kSubnetBroadcast;  // sent to the broadcast: answer from our own address
    Buf out(5000);
    const std::size_t n = ip::build_echo_reply(out, req, echo, kB, 1);
    REQUIRE(n == 20 + 8 + 4000);
    auto v = ip::parse_ipv4(bytes(out).first(n));
    REQUIRE(v.ok());
    CHECK(v->header.src == kB);
    CHECK(v->header.dst == kA);
    CHECK(v->header.tos == 0x10);
    CHECK(v->header.ttl == ip::kDefaultTtl);
    CHECK_FALSE(v->header.df);  // the caller may fragment it for the link
    auto r = ip::parse_icmp(v->payload);
    REQUIRE(r.ok());
    CHECK(r->message.type == ip::icmp_type::EchoReply);
    CHECK(r->message.id == 77);
    CHECK(r->message.seq == 9);
    CHECK(Buf(r->message.data.begin(), r->message.data.end()) == data);
}

TEST_CASE("icmp: echo reply: nothing for a non-echo message or a buffer too small") {
    ip::IcmpMessage m;
    m.type = ip::icmp_type::EchoReply;  // a reply is never answered
    Buf out(100);
    CHECK(ip::build_echo_reply(out, {}, m, kB, 1) == 0);
    m.type = ip::icmp_type::Echo;
    const Buf data(80, 0);
    m.data = data;
    CHECK(ip::build_echo_reply(out, {}, m, kB, 1) == 0);  // needs 108
}

TEST_CASE("icmp: RFC 792 port unreachable quotes the offending header and 64 bits of its data") {
    const Buf offending = closed_port_datagram();
    REQUIRE(offending.size() == 35);
    REQUIRE(ip::icmp_error_verdict(offending, kUnicast) == ip::IcmpErrorVerdict::Send);
    Buf out(100);
    const std::size_t n = ip::build_icmp_error(out, ip::icmp_type::DestinationUnreachable,
                                               ip::unreachable::Port, offending, kB, 7021);
    REQUIRE(n == 20 + 8 + 28);
    auto v = ip::parse_ipv4(bytes(out).first(n));  // header checksum verifies
    REQUIRE(v.ok());
    CHECK(v->header.src == kB);
    CHECK(v->header.dst == kA);  // back to the offender's source
    CHECK(v->header.protocol == ip::kProtoIcmp);
    CHECK(v->header.tos == 0);  // RFC 1349 5.1
    auto icmp = ip::parse_icmp(v->payload);  // ICMP checksum verifies
    REQUIRE(icmp.ok());
    CHECK(icmp->message.type == ip::icmp_type::DestinationUnreachable);
    CHECK(icmp->message.code == ip::unreachable::Port);
    CHECK(Buf(icmp->message.data.begin(), icmp->message.data.end()) ==
          Buf(offending.begin(), offending.begin() + 28));
    // The kernel's message about the same datagram: same type, code and
    // start of the quote (Linux quotes the whole datagram, RFC 1812 style).
    const Buf kernel = copy(captured::kPortUnreachable, kEth + kIp);
    CHECK(Buf(out.begin() + 20, out.begin() + 22) == Buf(kernel.begin(), kernel.begin() + 2));
    CHECK(Buf(out.begin() + 28, out.begin() + n) == Buf(kernel.begin() + 8, kernel.begin() + 36));
}

TEST_CASE("icmp: error builders for protocol and host unreachable and time exceeded") {
    const Buf offending = udp_from(kA, kB);
    struct Case {
        std::uint8_t type, code;
    };
    for (Case c : {Case{ip::icmp_type::DestinationUnreachable, ip::unreachable::Protocol},
                   Case{ip::icmp_type::DestinationUnreachable, ip::unreachable::Host},
                   Case{ip::icmp_type::TimeExceeded, ip::time_exceeded::Reassembly}}) {
        CAPTURE(int(c.type));
        CAPTURE(int(c.code));
        Buf out(100);
        const std::size_t n = ip::build_icmp_error(out, c.type, c.code, offending, kB, 1);
        REQUIRE(n == 56);
        auto v = ip::parse_ipv4(bytes(out).first(n));
        REQUIRE(v.ok());
        auto icmp = ip::parse_icmp(v->payload);
        REQUIRE(icmp.ok());
        CHECK(icmp->message.type == c.type);
        CHECK(icmp->message.code == c.code);
        CHECK(icmp->original.header.src == kA);
    }
    Buf small(55);
    CHECK(ip::build_icmp_error(small, 3, 3, offending, kB, 1) == 0);
    Buf out(100);
    CHECK(ip::build_icmp_error(out, 3, 3, Buf{0x45, 0}, kB, 1) == 0);  // no header to quote
}

TEST_CASE("icmp: RFC 1122 3.2.2: no error about an ICMP error, but one about an echo is allowed") {
    const Buf err = copy(captured::kPortUnreachable, kEth);  // an ICMP error datagram
    CHECK(ip::icmp_error_verdict(err, kUnicast) == ip::IcmpErrorVerdict::AboutIcmpError);
    const Buf echo = copy(captured::kEchoRequest, kEth);
    CHECK(ip::icmp_error_verdict(echo, kUnicast) == ip::IcmpErrorVerdict::Send);
}

TEST_CASE("icmp: RFC 1122 3.2.2: no error about a datagram to a broadcast or multicast address") {
    for (std::uint32_t dst : {0xffffffffu, kSubnetBroadcast, 0xe0000001u /* 224.0.0.1 */}) {
        CAPTURE(ip::addr_to_string(dst));
        CHECK(ip::icmp_error_verdict(udp_from(kA, dst), kUnicast) ==
              ip::IcmpErrorVerdict::ToBroadcast);
    }
}

TEST_CASE("icmp: RFC 1122 3.2.2: no error about a datagram that came as a link-layer broadcast") {
    ip::ReceivedOn how = kUnicast;
    how.link_broadcast = true;
    CHECK(ip::icmp_error_verdict(udp_from(kA, kB), how) == ip::IcmpErrorVerdict::LinkBroadcast);
}

TEST_CASE("icmp: RFC 1122 3.2.2: no error about a non-initial fragment; the first one may get one") {
    ip::Ipv4Header h;
    h.protocol = ip::kProtoUdp;
    h.src = kA;
    h.dst = kB;
    h.mf = true;
    CHECK(ip::icmp_error_verdict(packet(h, Buf(16, 0)), kUnicast) == ip::IcmpErrorVerdict::Send);
    h.frag_offset = 2;
    CHECK(ip::icmp_error_verdict(packet(h, Buf(16, 0)), kUnicast) ==
          ip::IcmpErrorVerdict::NonInitialFragment);
}

TEST_CASE("icmp: RFC 1122 3.2.2: no error to a source that is not a single host") {
    for (std::uint32_t src : {0x00000000u, 0x00000005u /* 0.0.0.5 */, 0x7f000001u /* 127.0.0.1 */,
                              0xe0000001u /* 224.0.0.1 */, 0xf0000001u /* 240.0.0.1 */,
                              0xffffffffu, kSubnetBroadcast}) {
        CAPTURE(ip::addr_to_string(src));
        CHECK(ip::icmp_error_verdict(udp_from(src, kB), kUnicast) ==
              ip::IcmpErrorVerdict::SourceNotAHost);
    }
    // Over our loopback interface 127.0.0.1 is a host like any other.
    CHECK(ip::icmp_error_verdict(udp_from(0x7f000001, 0x7f000001), {0, false, true}) ==
          ip::IcmpErrorVerdict::Send);
}

TEST_CASE("icmp: the error rules accept a reassembly quote and refuse what is not IPv4") {
    // What the reassembler hands over on timeout: header + 8 bytes, Total
    // Length still that of the whole fragment.
    Buf quote = udp_from(kA, kB);
    base::put_u16(quote.data() + 2, 1500);
    CHECK(ip::icmp_error_verdict(quote, kUnicast) == ip::IcmpErrorVerdict::Send);
    Buf out(100);
    CHECK(ip::build_icmp_error(out, ip::icmp_type::TimeExceeded, ip::time_exceeded::Reassembly,
                               quote, kB, 1) == 56);
    CHECK(ip::icmp_error_verdict(Buf{1, 2, 3}, kUnicast) == ip::IcmpErrorVerdict::Malformed);
}

TEST_CASE("icmp: a received port unreachable names our UDP socket and is hard (RFC 1122 4.2.3.9)") {
    auto ipv = ip::parse_ipv4(view(captured::kPortUnreachable, kEth));  // static storage
    REQUIRE(ipv.ok());
    auto icmp = ip::parse_icmp(ipv->payload);
    REQUIRE(icmp.ok());
    auto r = ip::icmp_error_report(*icmp, ipv->header.src);
    REQUIRE(r);
    CHECK(r->type == ip::icmp_type::DestinationUnreachable);
    CHECK(r->code == ip::unreachable::Port);
    CHECK(r->reporter == kB);
    CHECK(r->protocol == ip::kProtoUdp);
    CHECK(r->local_ip == kA);
    CHECK(r->remote_ip == kB);
    CHECK(r->local_port == 58451);
    CHECK(r->remote_port == 5999);
    CHECK(r->hard);
}

TEST_CASE("icmp: RFC 1122 4.2.3.9 hard and soft errors, and RFC 1191 fragmentation needed") {
    // An error about our TCP SYN 192.0.2.1.48188 > 192.0.2.2.5000.
    const Buf syn = copy(captured::kTcpSyn, kEth);
    struct Case {
        std::uint8_t type, code;
        bool hard;
    };
    for (Case c : {Case{3, ip::unreachable::Net, false}, Case{3, ip::unreachable::Host, false},
                   Case{3, ip::unreachable::SourceRouteFailed, false},
                   Case{3, ip::unreachable::FragmentationNeeded, false},
                   Case{3, ip::unreachable::Protocol, true}, Case{3, ip::unreachable::Port, true},
                   Case{3, 13 /* administratively prohibited */, true},
                   Case{ip::icmp_type::TimeExceeded, ip::time_exceeded::TtlInTransit, false},
                   Case{ip::icmp_type::TimeExceeded, ip::time_exceeded::Reassembly, false}}) {
        CAPTURE(int(c.type));
        CAPTURE(int(c.code));
        ip::IcmpMessage m;
        m.type = c.type;
        m.code = c.code;
        m.next_hop_mtu = 1400;
        m.data = ip::icmp_error_quote(syn);
        Buf msg(100);
        msg.resize(ip::build_icmp(msg, m));
        auto icmp = ip::parse_icmp(msg);
        REQUIRE(icmp.ok());
        auto r = ip::icmp_error_report(*icmp, 0x0a0000fe);
        REQUIRE(r);
        CHECK(r->hard == c.hard);
        CHECK(r->protocol == ip::kProtoTcp);
        CHECK(r->local_port == 48188);
        CHECK(r->remote_port == 5000);
        CHECK(r->reporter == 0x0a0000fe);
        CHECK(r->next_hop_mtu == (c.code == ip::unreachable::FragmentationNeeded && c.type == 3 ? 1400 : 0));
    }
}

TEST_CASE("icmp: echo messages are not errors: no report") {
    auto icmp = ip::parse_icmp(view(captured::kEchoReply, kEth + kIp));
    REQUIRE(icmp.ok());
    CHECK_FALSE(ip::icmp_error_report(*icmp, kB));
}
