// The IPv4 header (RFC 791 3.1) as a plain struct, with a validating parser
// and a builder into the caller's buffer.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version|  IHL  |Type of Service|          Total Length         |
// |         Identification        |Flags|      Fragment Offset    |
// |  Time to Live |    Protocol   |         Header Checksum       |
// |                       Source Address                          |
// |                    Destination Address                        |
// |                    Options                    |    Padding    |
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/addr.hpp"
#include "base/bytes.hpp"
#include "base/parse.hpp"

namespace ip {

constexpr std::size_t kIpv4HeaderLen = 20;  // without options
constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;

struct Ipv4Header {
    std::uint8_t ihl = 5;             // header length in 32-bit words (>= 5)
    std::uint8_t tos = 0;
    std::uint16_t total_length = 0;   // header + payload, bytes
    std::uint16_t id = 0;
    bool df = false;                  // don't fragment
    bool mf = false;                  // more fragments
    std::uint16_t frag_offset = 0;    // in 8-byte units
    std::uint8_t ttl = 64;
    std::uint8_t protocol = 0;
    std::uint16_t checksum = 0;       // as received; computed by the builder
    std::uint32_t src = 0;            // host order
    std::uint32_t dst = 0;            // host order

    bool is_fragment() const { return mf || frag_offset != 0; }
};

struct Ipv4View {
    Ipv4Header header;
    base::Bytes options;  // IHL*4 - 20 bytes, skipped but kept in the length
    base::Bytes payload;  // total_length - IHL*4 bytes (link padding cut off)
};

// Validates version, IHL >= 5, IHL*4 <= total_length <= buffer size, and
// (when `verify`) the header checksum. Never reads past `packet`.
base::Parsed<Ipv4View> parse_ipv4(base::Bytes packet, bool verify = true);

// Parses the header an ICMP error message quotes (RFC 792: "Internet Header
// + 64 bits of Original Data Datagram"): version and IHL are validated as
// above, but the datagram is cut short, so total_length is not checked
// against the buffer and payload is whatever follows the header (>= 8 bytes,
// or BadLength). The checksum is not verified: routers quote the header as
// they saw it.
base::Parsed<Ipv4View> parse_ipv4_quoted(base::Bytes quote);

// Writes the 20-byte header of `h` (ihl forced to 5, checksum computed) into
// out. Returns 20, or 0 if out is too small.
std::size_t build_ipv4_header(base::MutBytes out, const Ipv4Header& h);

// Dotted-quad conversions for host-order addresses (one implementation,
// in base/addr.hpp, that link/ uses too).
using base::addr_to_string;
using base::parse_addr;

}  // namespace ip
