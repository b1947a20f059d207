// The debug dumps show every header field with its reading (microps style).
// Checked on the kernel's packets against the numbers tcpdump printed.
#include <doctest/doctest.h>

#include <string>

#include "ip/dump.hpp"
#include "link/dump.hpp"
#include "tcp/segment_dump.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;

namespace {
// True when `dump` has this exact line.
bool has_line(const std::string& dump, const std::string& line) {
    std::size_t at = 0;
    while (at <= dump.size()) {
        std::size_t end = dump.find('\n', at);
        if (end == std::string::npos) end = dump.size();
        if (dump.compare(at, end - at, line) == 0) return true;
        at = end + 1;
    }
    return false;
}
}  // namespace

TEST_CASE("dump: Ethernet header of the broadcast ARP request") {
    auto r = l2::parse_ethernet(view(captured::kArpRequest));
    REQUIRE(r.ok());
    const std::string d = l2::dump(r->header);
    CAPTURE(d);
    CHECK(has_line(d, "           dst: ff:ff:ff:ff:ff:ff (broadcast)"));
    CHECK(has_line(d, "           src: 02:00:00:00:00:0a"));
    CHECK(has_line(d, "          type: 0x0806 (ARP)"));
}

TEST_CASE("dump: ARP request, every RFC 826 field") {
    auto r = l2::parse_arp(view(captured::kArpRequest, kEth));
    REQUIRE(r.ok());
    const std::string d = l2::dump(*r);
    CAPTURE(d);
    CHECK(has_line(d, "         htype: 0x0001 (Ethernet)"));
    CHECK(has_line(d, "            op: 1 (Request)"));
    CHECK(has_line(d, "           spa: 192.0.2.1"));
    CHECK(has_line(d, "           tha: 00:00:00:00:00:00"));
    CHECK(has_line(d, "           tpa: 192.0.2.2"));
}

TEST_CASE("dump: IPv4 header of the echo request, flags and offset decoded") {
    auto r = ip::parse_ipv4(view(captured::kEchoRequest, kEth));
    REQUIRE(r.ok());
    const std::string d = ip::dump(r->header);
    CAPTURE(d);
    CHECK(has_line(d, "   version/ihl: 0x45 [version=4, ihl=5 (20 bytes)]"));
    CHECK(has_line(d, "           tos: 0x00 [dscp=0, ecn=Not-ECT]"));
    CHECK(has_line(d, "  total length: 84 [header=20, payload=64]"));
    CHECK(has_line(d, "            id: 44431 (0xad8f)"));
    CHECK(has_line(d, "        offset: 0x4000 [flags=DF, offset=0 (0 bytes)]"));
    CHECK(has_line(d, "      protocol: 1 (ICMP)"));
    CHECK(has_line(d, "      checksum: 0x0916"));
    CHECK(has_line(d, "           src: 192.0.2.1"));
}

TEST_CASE("dump: IPv4 header of a middle fragment and of the tos 0xc0 ICMP error") {
    Buf frag = copy(captured::kFragmentHeader, kEth);
    frag.resize(1500);
    auto f = ip::parse_ipv4(frag);
    REQUIRE(f.ok());
    CHECK(has_line(ip::dump(f->header), "        offset: 0x20b9 [flags=MF, offset=185 (1480 bytes)]"));
    auto e = ip::parse_ipv4(view(captured::kPortUnreachable, kEth));
    REQUIRE(e.ok());
    CHECK(has_line(ip::dump(e->header), "           tos: 0xc0 [dscp=48, ecn=Not-ECT]"));
}

TEST_CASE("dump: ICMP echo request and port unreachable") {
    auto echo = ip::parse_icmp(view(captured::kEchoRequest, kEth + kIp));
    REQUIRE(echo.ok());
    const std::string d = ip::dump(echo->message);
    CAPTURE(d);
    CHECK(has_line(d, "          type: 8 (Echo)"));
    CHECK(has_line(d, "          code: 0"));
    CHECK(has_line(d, "      checksum: 0x34b6"));
    CHECK(has_line(d, "            id: 4459"));
    CHECK(has_line(d, "           seq: 1"));
    CHECK(has_line(d, "          data: 56 bytes"));
    auto un = ip::parse_icmp(view(captured::kPortUnreachable, kEth + kIp));
    REQUIRE(un.ok());
    const std::string u = ip::dump(un->message);
    CAPTURE(u);
    CHECK(has_line(u, "          type: 3 (DestinationUnreachable)"));
    CHECK(has_line(u, "          code: 3 (PortUnreachable)"));
    CHECK(has_line(u, "      original: 35 bytes [192.0.2.1 > 192.0.2.2, protocol=17 (UDP), id=64108]"));
}

TEST_CASE("dump: UDP header") {
    auto r = ip::parse_udp(view(captured::kUdpDatagram, kEth + kIp), 0xc0000201, 0xc0000202);
    REQUIRE(r.ok());
    const std::string d = ip::dump(r->header);
    CAPTURE(d);
    CHECK(has_line(d, "      src port: 54706"));
    CHECK(has_line(d, "      dst port: 5001"));
    CHECK(has_line(d, "        length: 19 [header=8, payload=11]"));
    CHECK(has_line(d, "      checksum: 0xbfa4"));
    ip::UdpHeader none = r->header;
    none.checksum = 0;
    CHECK(has_line(ip::dump(none), "      checksum: 0x0000 (none)"));
}

TEST_CASE("dump: TCP SYN with its options, and a data segment") {
    auto syn = tcp::parse(view(captured::kTcpSyn, kEth + kIp), 0xc0000201, 0xc0000202);
    REQUIRE(syn.ok());
    const std::string d = tcp::dump(syn->header);
    CAPTURE(d);
    CHECK(has_line(d, "      src port: 48188"));
    CHECK(has_line(d, "           seq: 3858687651"));
    CHECK(has_line(d, "           ack: 0 (ACK not set: ignored)"));
    CHECK(has_line(d, "  offset/flags: 0xa002 [data offset=10 (40 bytes), flags=SYN]"));
    CHECK(has_line(d, "        window: 64240 (never scaled in a SYN)"));
    CHECK(has_line(d, "       options: mss=1460, sackOK, TS val=3674946778 ecr=0, wscale=10 (x1024)"));
    auto data = tcp::parse(view(captured::kTcpData, kEth + kIp), 0xc0000201, 0xc0000202);
    REQUIRE(data.ok());
    const std::string t = tcp::dump(data->header);
    CAPTURE(t);
    CHECK(has_line(t, "  offset/flags: 0x8018 [data offset=8 (32 bytes), flags=PSH,ACK]"));
    CHECK(has_line(t, "           ack: 2110595453"));
    CHECK(has_line(t, "       options: TS val=3674946780 ecr=2775810725"));
}
