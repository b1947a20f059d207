// Fragmentation of our own datagrams (RFC 791 3.2).
#include <doctest/doctest.h>

#include "ip/checksum.hpp"
#include "ip/fragment.hpp"
#include "tests/unit/ip_test_util.hpp"

using namespace ip_test;

TEST_CASE("fragment: a datagram that fits the MTU leaves unchanged, as one packet") {
    std::mt19937 rng(1);
    const Buf whole = datagram(7, random_bytes(1480, rng));
    ip::Fragmenter f(whole, 1500);
    CHECK(f.error() == ip::FragmentError::None);
    CHECK(f.count() == 1);
    const auto frags = fragments_of(whole, 1500);
    REQUIRE(frags.size() == 1);
    CHECK(frags[0] == whole);
}

TEST_CASE("fragment: RFC 791 3.2: 8-byte offsets, MF on all but the last, same id, each fits") {
    std::mt19937 rng(2);
    const Buf data = random_bytes(4008, rng);  // ping -s 4000: 8-byte ICMP header + 4000
    const Buf whole = datagram(0x1234, data);
    const std::size_t mtu = 1500;
    ip::Fragmenter f(whole, mtu);
    CHECK(f.count() == 3);
    const auto frags = fragments_of(whole, mtu);
    REQUIRE(frags.size() == 3);
    Buf joined;
    for (std::size_t i = 0; i < frags.size(); ++i) {
        CAPTURE(i);
        auto v = ip::parse_ipv4(frags[i]);  // header checksum verifies
        REQUIRE(v.ok());
        CHECK(frags[i].size() <= mtu);
        CHECK(v->header.id == 0x1234);
        CHECK(v->header.protocol == ip::kProtoUdp);
        CHECK(v->header.src == kSrc);
        CHECK(v->header.dst == kDst);
        CHECK(v->header.frag_offset * 8 == joined.size());
        CHECK(v->header.mf == (i + 1 < frags.size()));
        if (i + 1 < frags.size()) CHECK(v->payload.size() == 1480);  // (1500 - 20) rounded to 8
        joined.insert(joined.end(), v->payload.begin(), v->payload.end());
    }
    CHECK(joined == data);
}

TEST_CASE("fragment: RFC 791 3.1: DF forbids fragmenting a datagram too big for the link") {
    ip::Ipv4Header h;
    h.df = true;
    h.protocol = ip::kProtoUdp;
    const Buf big = packet(h, filled(2000, 1));
    ip::Fragmenter f(big, 1500);
    CHECK(f.error() == ip::FragmentError::DontFragment);
    CHECK(f.count() == 0);
    Buf out(1500);
    CHECK(f.next(out) == 0);
    // DF on a datagram that fits is no obstacle.
    const Buf small = packet(h, filled(100, 1));
    CHECK(fragments_of(small, 1500).size() == 1);
}

TEST_CASE("fragment: RFC 791 3.2: the 68-byte minimum MTU works, anything less is refused") {
    const Buf whole = datagram(1, filled(100, 9));
    const auto frags = fragments_of(whole, ip::kMinMtu);
    REQUIRE(frags.size() == 3);  // 48 + 48 + 4 data bytes
    CHECK(frags[0].size() == 68);
    CHECK(frags[2].size() == 24);
    CHECK(ip::Fragmenter(whole, 67).error() == ip::FragmentError::MtuTooSmall);
}

TEST_CASE("fragment: an output buffer smaller than the fragment gets nothing, and no progress") {
    const Buf whole = datagram(1, filled(3000, 9));
    ip::Fragmenter f(whole, 1500);
    Buf small(100), full(1500);
    CHECK(f.next(small) == 0);
    CHECK(f.next(full) == 1500);  // still the first fragment
    auto v = ip::parse_ipv4(base::Bytes(full));
    REQUIRE(v.ok());
    CHECK(v->header.frag_offset == 0);
}

TEST_CASE("fragment: headers with options and unparseable datagrams are refused") {
    const Buf opts = with_options(datagram(1, filled(2000, 3)), {1, 1, 1, 0});  // NOP NOP NOP EOL
    CHECK(ip::Fragmenter(opts, 1500).error() == ip::FragmentError::HasOptions);
    CHECK(ip::Fragmenter(Buf{1, 2, 3}, 1500).error() == ip::FragmentError::Malformed);
}
