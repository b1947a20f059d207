// ICMP for IPv4 (RFC 792): echo request/reply, destination unreachable and
// time exceeded, as a plain struct with a parser and a builder.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |     Code      |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Echo: Identifier | Sequence Number; errors: unused (or MTU)  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Echo: Data ...; errors: Internet Header + 64 bits of Data    |
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.hpp"
#include "base/parse.hpp"
#include "ip/ipv4.hpp"

namespace ip {

constexpr std::size_t kIcmpHeaderLen = 8;

namespace icmp_type {
constexpr std::uint8_t EchoReply = 0;
constexpr std::uint8_t DestinationUnreachable = 3;
constexpr std::uint8_t Echo = 8;
constexpr std::uint8_t TimeExceeded = 11;
}  // namespace icmp_type

// Destination unreachable codes (RFC 792 p.4, RFC 1122 3.2.2.1).
namespace unreachable {
constexpr std::uint8_t Net = 0;
constexpr std::uint8_t Host = 1;
constexpr std::uint8_t Protocol = 2;
constexpr std::uint8_t Port = 3;
constexpr std::uint8_t FragmentationNeeded = 4;  // with DF set; carries the MTU
constexpr std::uint8_t SourceRouteFailed = 5;
}  // namespace unreachable

// Time exceeded codes (RFC 792 p.6).
namespace time_exceeded {
constexpr std::uint8_t TtlInTransit = 0;
constexpr std::uint8_t Reassembly = 1;
}  // namespace time_exceeded

struct IcmpMessage {
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint16_t checksum = 0;      // as received; computed by the builder
    std::uint16_t id = 0;            // Echo, EchoReply
    std::uint16_t seq = 0;           // Echo, EchoReply
    std::uint16_t next_hop_mtu = 0;  // unreachable/FragmentationNeeded (RFC 1191 4)
    // Echo: the data, returned unchanged in the reply (RFC 792 p.14).
    // Errors: the quoted datagram, IP header and at least 8 bytes of its data.
    base::Bytes data;

    bool is_error() const {
        return type == icmp_type::DestinationUnreachable || type == icmp_type::TimeExceeded;
    }
};

struct IcmpView {
    IcmpMessage message;
    // For errors, the quoted datagram's header and the start of its payload
    // (enough to find the TCP/UDP ports); empty for echo messages.
    Ipv4View original;
};

// Parses an ICMP message (the whole IPv4 payload). Truncated below 8 bytes;
// BadChecksum unless the checksum over the whole message verifies; types
// other than the four above are Unsupported (RFC 1122 3.2.2: an unknown
// type is silently discarded), with type, code and checksum still filled in
// (value.message) for a trace to name; an error message whose quote is not
// an IPv4 header plus 8 bytes fails with the quote's parse error.
base::Parsed<IcmpView> parse_icmp(base::Bytes message, bool verify = true);

// The ports of the TCP segment or UDP datagram an error quotes: RFC 792
// quotes 64 bits of its data, and both headers start with source port,
// destination port (RFC 9293 3.1, RFC 768). nullopt for other protocols.
struct QuotedPorts {
    std::uint16_t src = 0;
    std::uint16_t dst = 0;
};
std::optional<QuotedPorts> quoted_ports(const Ipv4View& original);
// A quoted TCP segment's sequence number (its bytes 4..7, inside the 64 bits
// RFC 792 guarantees), for RFC 5927's check that it is one we have in flight.
std::optional<std::uint32_t> quoted_tcp_seq(const Ipv4View& original);

// RFC 1191 7: an old router sends "fragmentation needed" with no MTU; the
// sender then tries the next plateau below the datagram's size (65535,
// 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68).
std::uint16_t plateau_below(std::uint16_t datagram_size);

// The echo request an error quotes (RFC 792: its 64 bits of data are the
// echo's type, code, checksum, identifier and sequence number), so that a
// pinger can tell which request failed. nullopt unless `icmp` is an error
// about an ICMP Echo.
struct QuotedEcho {
    std::uint16_t id = 0;
    std::uint16_t seq = 0;
};
std::optional<QuotedEcho> quoted_echo(const IcmpView& icmp);
// The same for a datagram of ours that an error quotes (or that could not be
// sent): nullopt unless it is an ICMP Echo.
std::optional<QuotedEcho> quoted_echo(const Ipv4View& original);

// Writes type, code, the second word (id/seq for echo, the MTU for
// FragmentationNeeded, else zero), then `data`, with the checksum. Returns
// the length written, or 0 if out is too small.
std::size_t build_icmp(base::MutBytes out, const IcmpMessage& m);

// What an error about `datagram` quotes: RFC 792, the Internet header plus
// the first 64 bits of its data (less if the datagram is shorter).
base::Bytes icmp_error_quote(base::Bytes datagram);

// "Echo", "DestinationUnreachable", ...; "unknown" otherwise.
std::string_view icmp_type_name(std::uint8_t type);
// "PortUnreachable", "TtlExceededInTransit", ... for the type's codes.
std::string_view icmp_code_name(std::uint8_t type, std::uint8_t code);

}  // namespace ip
