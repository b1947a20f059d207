// ARP packets (RFC 826) for Ethernet/IPv4 against the kernel's request and reply.
#include <doctest/doctest.h>

#include "link/arp.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;
using base::ParseError;

namespace {
const l2::MacAddr kMacA{{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
const l2::MacAddr kMacB{{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
constexpr std::uint32_t kA = 0xc0000201;  // 192.0.2.1
constexpr std::uint32_t kB = 0xc0000202;  // 192.0.2.2
}  // namespace

TEST_CASE("RFC 826: every field of the kernel's request") {
    // tcpdump: Ethernet (len 6), IPv4 (len 4), Request who-has 192.0.2.2 tell 192.0.2.1, length 28
    auto r = l2::parse_arp(view(captured::kArpRequest, kEth));
    REQUIRE(r.ok());
    CHECK(r->op == l2::ArpOp::Request);
    CHECK(r->sha == kMacA);
    CHECK(r->spa == kA);
    CHECK(r->tha == l2::MacAddr{});  // unknown, so zero in a request
    CHECK(r->tpa == kB);
}

TEST_CASE("RFC 826: every field of the kernel's reply") {
    // tcpdump: Ethernet (len 6), IPv4 (len 4), Reply 192.0.2.2 is-at 02:00:00:00:00:0b, length 28
    auto r = l2::parse_arp(view(captured::kArpReply, kEth));
    REQUIRE(r.ok());
    CHECK(r->op == l2::ArpOp::Reply);
    CHECK(r->sha == kMacB);
    CHECK(r->spa == kB);
    CHECK(r->tha == kMacA);
    CHECK(r->tpa == kA);
}

TEST_CASE("RFC 826: the builder reproduces the kernel's request and reply") {
    for (Buf arp : {copy(captured::kArpRequest, kEth), copy(captured::kArpReply, kEth)}) {
        auto r = l2::parse_arp(arp);
        REQUIRE(r.ok());
        Buf out(28);
        REQUIRE(l2::build_arp(out, *r) == 28);
        CHECK(out == arp);
    }
    Buf small(27);
    CHECK(l2::build_arp(small, {}) == 0);
}

TEST_CASE("RFC 826: Ethernet padding after the 28 bytes is ignored") {
    Buf arp = copy(captured::kArpRequest, kEth);
    arp.resize(46, 0);  // 60-byte minimum frame less the 14-byte header
    auto r = l2::parse_arp(arp);
    REQUIRE(r.ok());
    CHECK(r->tpa == kB);
}

TEST_CASE("RFC 826: a packet shorter than its addresses is truncated, at every length") {
    const Buf arp = copy(captured::kArpRequest, kEth);
    for (std::size_t n = 0; n < 28; ++n) {
        CAPTURE(n);
        CHECK(l2::parse_arp(bytes(arp).first(n)).error == ParseError::Truncated);
    }
}

TEST_CASE("RFC 826: hardware or protocol types and sizes other than Ethernet/IPv4 are unsupported") {
    struct Case {
        std::size_t at;
        std::uint8_t value;
        const char* what;
    };
    for (Case c : {Case{1, 6, "htype 6 (IEEE 802)"}, Case{2, 0x86, "ptype 0x8600"},
                   Case{4, 8, "hlen 8"}, Case{5, 16, "plen 16"}, Case{5, 0, "plen 0"},
                   Case{7, 3, "op 3 (RARP request)"}, Case{7, 0, "op 0"}}) {
        CAPTURE(c.what);
        Buf arp = copy(captured::kArpRequest, kEth);
        arp[c.at] = c.value;
        CHECK(l2::parse_arp(arp).error == ParseError::Unsupported);
    }
}
