// The UDP header (RFC 768) as a plain struct, with a validating parser and a
// builder into the caller's buffer.
//
//  0      7 8     15 16    23 24    31
// +--------+--------+--------+--------+
// |     Source      |   Destination   |
// |      Port       |      Port       |
// +--------+--------+--------+--------+
// |     Length      |    Checksum     |
// +--------+--------+--------+--------+
// |          data octets ...
#pragma once
#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/parse.hpp"

namespace ip {

constexpr std::size_t kUdpHeaderLen = 8;

struct UdpHeader {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t length = 0;    // header + data, bytes; computed by the builder
    std::uint16_t checksum = 0;  // as received (0: none); computed by the builder
};

struct UdpView {
    UdpHeader header;
    base::Bytes payload;  // length - 8 bytes; anything after is ignored
};

// Parses a UDP datagram (the IPv4 payload). Truncated below 8 bytes;
// BadLength if the length field is < 8 or exceeds the buffer; when `verify`
// and the checksum is not 0, BadChecksum unless it verifies with the
// pseudo-header of src_ip/dst_ip (host order).
base::Parsed<UdpView> parse_udp(base::Bytes datagram, std::uint32_t src_ip, std::uint32_t dst_ip,
                                bool verify = true);

// Writes header and payload with the length and checksum computed from
// them; ports come from h. Returns the length written, or 0 if out is too
// small or the datagram would exceed 65535 bytes.
std::size_t build_udp(base::MutBytes out, const UdpHeader& h, std::uint32_t src_ip,
                      std::uint32_t dst_ip, base::Bytes payload);

}  // namespace ip
