// The Ethernet II frame header (IEEE 802.3 clause 3.2.6 "Length/Type" >=
// 0x0600; RFC 894 for IPv4 over Ethernet) as a plain struct, with a parser
// and a builder into the caller's buffer.
//
//  0                   6                   12      14
// +-------------------+-------------------+-------+--------------------+
// |  destination MAC  |    source MAC     | type  | payload 46..1500   |
// +-------------------+-------------------+-------+--------------------+
//
// The link layer's namespace is `l2`, not `link`: <unistd.h> declares a
// function ::link that a namespace of that name would collide with.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/parse.hpp"

namespace l2 {

struct MacAddr {
    std::array<std::uint8_t, 6> bytes{};

    // "02:00:00:00:00:0a": lower-case hex, colon-separated.
    std::string to_string() const;
    // Accepts exactly six two-digit hex groups separated by ':' (either case).
    static std::optional<MacAddr> parse(std::string_view text);
    bool is_broadcast() const;
    // IEEE 802-2014 8.2: the I/G bit (lowest bit of the first octet) marks a
    // group address; broadcast is one of them.
    bool is_multicast() const { return bytes[0] & 0x01; }
    bool operator==(const MacAddr&) const = default;
};

inline constexpr MacAddr kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// EtherType values (IANA "IEEE 802 Numbers").
namespace ethertype {
constexpr std::uint16_t IPv4 = 0x0800;  // RFC 894
constexpr std::uint16_t ARP = 0x0806;   // RFC 826
}  // namespace ethertype

constexpr std::size_t kEthHeaderLen = 14;
// IEEE 802.3: a frame is at least 64 bytes with the 4-byte FCS, which the
// NIC adds and strips; the sender pads the rest with zeros.
constexpr std::size_t kEthMinFrame = 60;
constexpr std::size_t kEthMtu = 1500;  // RFC 894: largest payload

struct EthernetHeader {
    MacAddr dst;
    MacAddr src;
    std::uint16_t type = 0;
};

struct EthernetView {
    EthernetHeader header;
    base::Bytes payload;  // everything after the header, padding included
};

// Rejects frames shorter than the header, and length-typed IEEE 802.3 frames
// (type field < 0x0600, an LLC frame we do not speak) as Unsupported.
base::Parsed<EthernetView> parse_ethernet(base::Bytes frame);

// Writes the 14-byte header. Returns 14, or 0 if out is too small.
std::size_t build_ethernet_header(base::MutBytes out, const EthernetHeader& h);

// "IPv4", "ARP", or "unknown".
std::string_view ethertype_name(std::uint16_t type);

}  // namespace l2
