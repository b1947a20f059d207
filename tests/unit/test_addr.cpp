// base/addr.hpp: the classes of IPv4 address RFC 1122 3.2.1.3 tells apart,
// and the dotted quad every layer prints (link/ included).
#include <doctest/doctest.h>

#include "base/addr.hpp"
#include "ip/ipv4.hpp"

TEST_CASE("RFC 1122 3.2.1.3: which addresses one host can own") {
    CHECK(base::is_unicast(0x0a000001));           // 10.0.0.1
    CHECK(base::is_unicast(0x7f000001));           // loopback is one host: us
    CHECK(base::is_unicast(0xdfffffff));           // 223.255.255.255, the last of class C
    CHECK(base::is_unicast(0xf0000001));           // class E is reserved, not a group
    CHECK_FALSE(base::is_unicast(0));              // (a) "this host", a source only
    CHECK_FALSE(base::is_unicast(0xffffffff));     // (c) limited broadcast
    CHECK_FALSE(base::is_unicast(0xe0000001));     // 224.0.0.1, a host group (RFC 1112)
    CHECK_FALSE(base::is_unicast(0xefffffff));     // 239.255.255.255
}

TEST_CASE("RFC 1122 3.2.1.3, RFC 1112 4: the address classes by their first bits") {
    CHECK(base::is_limited_broadcast(0xffffffff));
    CHECK_FALSE(base::is_limited_broadcast(0x0a0000ff));  // a directed broadcast is the netif's to know
    CHECK(base::is_this_network(0));
    CHECK(base::is_this_network(0x00ffffff));
    CHECK_FALSE(base::is_this_network(0x01000000));
    CHECK(base::is_loopback(0x7f000001));
    CHECK(base::is_loopback(0x7fffffff));
    CHECK_FALSE(base::is_loopback(0x80000000));
    CHECK(base::is_multicast(0xe0000000));
    CHECK(base::is_multicast(0xefffffff));
    CHECK_FALSE(base::is_multicast(0xf0000000));
    CHECK(base::is_class_e(0xf0000000));
    CHECK(base::is_class_e(0xffffffff));
    CHECK_FALSE(base::is_class_e(0xefffffff));
}

// ip::addr_to_string and ip::parse_addr are using-declarations of these.
TEST_CASE("dotted quad: one implementation, under base:: and ip::") {
    CHECK(base::addr_to_string(0xc0000201) == "192.0.2.1");
    CHECK(base::parse_addr("192.0.2.1") == 0xc0000201u);
    CHECK_FALSE(base::parse_addr("192.0.2.01"));
    CHECK(ip::addr_to_string(0x0a000001) == "10.0.0.1");
    CHECK(ip::parse_addr("10.0.0.1") == 0x0a000001u);
}
