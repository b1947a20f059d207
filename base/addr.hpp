// IPv4 addresses as host-order integers (10.0.0.1 == 0x0a000001): their
// dotted-quad text, and the classes of address RFC 1122 3.2.1.3 tells apart.
// In base/ because every layer needs them, link/ (ARP, TAP) included;
// ip::addr_to_string and ip::parse_addr are these two functions.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace base {

// "192.0.2.1".
std::string addr_to_string(std::uint32_t addr);
// "10.0.0.1:8080": an address and a port, as every log and message writes them.
std::string endpoint_to_string(std::uint32_t addr, std::uint16_t port);
// Strict dotted decimal: four decimal parts of 0..255, no leading zeros
// (which inet_aton would read as octal), nothing before or after.
std::optional<std::uint32_t> parse_addr(std::string_view text);

// RFC 1122 3.2.1.3 (c): the limited broadcast, 255.255.255.255.
constexpr std::uint32_t kLimitedBroadcast = 0xffffffffu;

constexpr bool is_limited_broadcast(std::uint32_t a) { return a == kLimitedBroadcast; }
// RFC 1122 3.2.1.3 (a), (b): 0.0.0.0/8, "this network" (0.0.0.0 is "this host").
constexpr bool is_this_network(std::uint32_t a) { return (a >> 24) == 0; }
// RFC 1122 3.2.1.3 (g): 127.0.0.0/8, internal host loopback.
constexpr bool is_loopback(std::uint32_t a) { return (a >> 24) == 127; }
// RFC 1112 4 (class D, RFC 5771): 224.0.0.0/4, host groups.
constexpr bool is_multicast(std::uint32_t a) { return (a >> 28) == 0xe; }
// RFC 1112 4 (class E): 240.0.0.0/4, reserved; holds 255.255.255.255 too.
constexpr bool is_class_e(std::uint32_t a) { return (a >> 28) == 0xf; }
// An address one host can own: not 0 (RFC 1122 3.2.1.3 (a)), not the
// limited broadcast, not multicast (RFC 1122 4.2.3.10: TCP is unicast only;
// RFC 1122 2.3.2.1 for ARP).
constexpr bool is_unicast(std::uint32_t a) {
    return a != 0 && !is_limited_broadcast(a) && !is_multicast(a);
}

}  // namespace base
