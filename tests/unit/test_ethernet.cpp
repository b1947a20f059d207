// Ethernet II header and MAC addresses against frames the kernel sent.
#include <doctest/doctest.h>

#include "link/ethernet.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;
using base::ParseError;

namespace {
const l2::MacAddr kMacA{{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
const l2::MacAddr kMacB{{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
}  // namespace

TEST_CASE("Ethernet II: the kernel's broadcast ARP request frame") {
    // tcpdump: 02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42
    auto r = l2::parse_ethernet(view(captured::kArpRequest));
    REQUIRE(r.ok());
    CHECK(r->header.dst == l2::kBroadcastMac);
    CHECK(r->header.dst.is_broadcast());
    CHECK(r->header.src == kMacA);
    CHECK(r->header.type == l2::ethertype::ARP);
    CHECK(r->payload.size() == 28);
}

TEST_CASE("Ethernet II: the kernel's unicast IPv4 frame") {
    // tcpdump: 02:00:00:00:00:0a > 02:00:00:00:00:0b, ethertype IPv4 (0x0800), length 98
    const Buf frame = copy(captured::kEchoRequest);
    auto r = l2::parse_ethernet(frame);
    REQUIRE(r.ok());
    CHECK(r->header.dst == kMacB);
    CHECK_FALSE(r->header.dst.is_multicast());
    CHECK(r->header.src == kMacA);
    CHECK(r->header.type == l2::ethertype::IPv4);
    CHECK(l2::ethertype_name(r->header.type) == "IPv4");
    CHECK(r->payload.size() == 84);
    CHECK(r->payload.data() == frame.data() + 14);
}

TEST_CASE("Ethernet II: the builder reproduces the kernel's headers") {
    for (Buf frame : {copy(captured::kArpRequest), copy(captured::kArpReply),
                      copy(captured::kEchoReply), copy(captured::kTcpSyn)}) {
        auto r = l2::parse_ethernet(frame);
        REQUIRE(r.ok());
        Buf out(14);
        REQUIRE(l2::build_ethernet_header(out, r->header) == 14);
        CHECK(out == Buf(frame.begin(), frame.begin() + 14));
    }
    Buf small(13);
    CHECK(l2::build_ethernet_header(small, {}) == 0);
}

TEST_CASE("Ethernet II: a frame shorter than 14 bytes is truncated, at every length") {
    const Buf frame = copy(captured::kArpRequest);
    for (std::size_t n = 0; n < 14; ++n)
        CHECK(l2::parse_ethernet(bytes(frame).first(n)).error == ParseError::Truncated);
    CHECK(l2::parse_ethernet(bytes(frame).first(14)).ok());  // empty payload is the caller's call
}

TEST_CASE("IEEE 802.3 3.2.6: a type field below 0x0600 is an 802.3 length, not spoken") {
    Buf frame = copy(captured::kArpRequest);
    frame[12] = 0x05, frame[13] = 0xdc;  // 1500: an LLC frame
    CHECK(l2::parse_ethernet(frame).error == ParseError::Unsupported);
}

TEST_CASE("MAC addresses print and parse as six colon-separated hex bytes") {
    CHECK(kMacA.to_string() == "02:00:00:00:00:0a");
    CHECK(l2::kBroadcastMac.to_string() == "ff:ff:ff:ff:ff:ff");
    CHECK(l2::MacAddr::parse("02:00:00:00:00:0a") == kMacA);
    CHECK(l2::MacAddr::parse("FF:ff:FF:ff:FF:ff") == l2::kBroadcastMac);
    CHECK(l2::kBroadcastMac.is_multicast());
    CHECK(l2::MacAddr::parse("01:00:5e:00:00:01")->is_multicast());
    for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:0a:", "02-00-00-00-00-0a",
                            "0g:00:00:00:00:0a", "2:00:00:00:00:0a0", "02:00:00:00:00:0a ",
                            "02:00:00:00:00::a"}) {
        CAPTURE(bad);
        CHECK_FALSE(l2::MacAddr::parse(bad).has_value());
    }
}
