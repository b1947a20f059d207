// The host routing table: "a/len" parsing, connected networks, the default
// gateway and longest-prefix match.
#include <doctest/doctest.h>

#include "ip/ipv4.hpp"
#include "ip/route.hpp"

namespace {
std::uint32_t A(const char* text) { return *ip::parse_addr(text); }
ip::InterfaceAddress IA(const char* text) { return *ip::parse_interface_address(text); }
}  // namespace

TEST_CASE("route: \"a.b.c.d/len\" parses strictly; a bare address is a /32") {
    CHECK(IA("10.0.0.1/24") == ip::InterfaceAddress{A("10.0.0.1"), 24});
    CHECK(IA("10.0.0.1/0").prefix_len == 0);
    CHECK(IA("10.0.0.1/32").prefix_len == 32);
    CHECK(IA("10.0.0.1") == ip::InterfaceAddress{A("10.0.0.1"), 32});
    for (const char* bad : {"10.0.0.1/33", "10.0.0.1/", "10.0.0.1/024", "10.0.0.1/-1",
                            "10.0.0.1/2a", "10.0.0/24", "10.0.0.256/24", "/24", "10.0.0.1/24/"}) {
        CAPTURE(bad);
        CHECK_FALSE(ip::parse_interface_address(bad));
    }
    CHECK(ip::to_string(IA("192.168.1.7/16")) == "192.168.1.7/16");
}

TEST_CASE("route: mask, network and directed broadcast of a prefix (RFC 919/922, RFC 3021)") {
    CHECK(ip::prefix_mask(0) == 0);
    CHECK(ip::prefix_mask(24) == 0xffffff00);
    CHECK(ip::prefix_mask(32) == 0xffffffff);
    CHECK(IA("10.1.2.3/16").network() == A("10.1.0.0"));
    CHECK(IA("10.1.2.3/16").broadcast() == A("10.1.255.255"));
    CHECK_FALSE(IA("10.1.2.3/31").broadcast());  // point-to-point: both addresses are hosts
    CHECK_FALSE(IA("10.1.2.3/32").broadcast());
}

TEST_CASE("route: a destination on a connected network is its own next hop") {
    ip::RouteTable t;
    t.add_connected(IA("10.0.0.1/24"), 1);
    CHECK(t.lookup(A("10.0.0.77")) == ip::NextHop{1, A("10.0.0.77")});
}

TEST_CASE("route: no route for a destination outside every prefix") {
    ip::RouteTable t;
    CHECK_FALSE(t.lookup(A("10.0.0.1")));
    t.add_connected(IA("10.0.0.1/24"), 1);
    CHECK_FALSE(t.lookup(A("10.0.1.1")));
    CHECK_FALSE(t.lookup(A("8.8.8.8")));
}

TEST_CASE("route: the default route carries everything else to the gateway") {
    ip::RouteTable t;
    t.add_connected(IA("10.0.0.1/24"), 1);
    t.add_connected(IA("192.168.5.2/24"), 2);
    REQUIRE(t.set_default_gateway(A("192.168.5.1")));
    CHECK(t.lookup(A("8.8.8.8")) == ip::NextHop{2, A("192.168.5.1")});
    CHECK(t.lookup(A("10.0.0.9")) == ip::NextHop{1, A("10.0.0.9")});  // connected still wins
    CHECK(t.routes().back().prefix_len == 0);
}

TEST_CASE("route: RFC 1122 3.3.1.1: a gateway not on a connected network is refused") {
    ip::RouteTable t;
    t.add_connected(IA("10.0.0.1/24"), 1);
    CHECK_FALSE(t.set_default_gateway(A("10.0.1.1")));
    CHECK(t.routes().size() == 1);
    CHECK_FALSE(t.lookup(A("8.8.8.8")));
}

TEST_CASE("route: RFC 1812 5.2.4.3: the longest matching prefix wins, whatever the order") {
    ip::RouteTable t;
    t.add_connected(IA("10.0.0.1/8"), 1);
    t.add_route(A("10.1.2.0"), 24, A("10.0.0.3"), 1);
    t.add_route(A("10.1.0.0"), 16, A("10.0.0.2"), 1);
    t.add_route(A("10.1.2.128"), 25, 0, 2);
    REQUIRE(t.set_default_gateway(A("10.0.0.254")));
    CHECK(t.lookup(A("10.9.9.9")) == ip::NextHop{1, A("10.9.9.9")});     // /8
    CHECK(t.lookup(A("10.1.9.9")) == ip::NextHop{1, A("10.0.0.2")});     // /16
    CHECK(t.lookup(A("10.1.2.9")) == ip::NextHop{1, A("10.0.0.3")});     // /24
    CHECK(t.lookup(A("10.1.2.200")) == ip::NextHop{2, A("10.1.2.200")});  // /25
    CHECK(t.lookup(A("11.0.0.1")) == ip::NextHop{1, A("10.0.0.254")});   // /0
}

TEST_CASE("route: host bits of an added destination are ignored; equal prefixes: first added wins") {
    ip::RouteTable t;
    t.add_route(A("10.1.2.3"), 16, A("10.0.0.2"), 1);
    t.add_route(A("10.1.0.0"), 16, A("10.0.0.9"), 2);
    CHECK(t.routes()[0].destination == A("10.1.0.0"));
    CHECK(t.lookup(A("10.1.200.1")) == ip::NextHop{1, A("10.0.0.2")});
}

TEST_CASE("route: RFC 1122 3.3.1.1 a static route's gateway must be on a connected network") {
    ip::RouteTable t;
    t.add_connected(*ip::parse_interface_address("10.1.0.1/24"), 0);
    t.add_connected(*ip::parse_interface_address("10.2.0.1/24"), 1);
    CHECK(t.add_via(0x0a030000, 16, 0x0a020009));   // 10.3.0.0/16 via 10.2.0.9
    CHECK(!t.add_via(0x0a040000, 16, 0x0a050001));  // 10.5.0.1 is on no network of ours
    CHECK(t.lookup(0x0a030102) == ip::NextHop{1, 0x0a020009});
    CHECK(!t.lookup(0x0a040001));
}
