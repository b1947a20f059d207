// The packet-mode ingress guard's nftables script (os/ingress).
#include <doctest/doctest.h>

#include "os/ingress.hpp"

TEST_CASE("IngressGuard: one netdev ingress chain per interface drops only our address") {
    const auto r = os::IngressGuard::rules("ustack_42", {{"veth0", 0x0a000002}, {"eth1", 0xc0a80105}});
    CHECK(r.find("table netdev ustack_42 {") == 0);
    CHECK(r.find("chain in0 {") != std::string::npos);
    CHECK(r.find("hook ingress device \"veth0\"") != std::string::npos);
    CHECK(r.find("ip daddr 10.0.0.2 drop") != std::string::npos);
    CHECK(r.find("hook ingress device \"eth1\"") != std::string::npos);
    CHECK(r.find("ip daddr 192.168.1.5 drop") != std::string::npos);
}
