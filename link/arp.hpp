// The ARP packet (RFC 826) for IPv4 over Ethernet, the only pairing the
// stack speaks, as a plain struct with a parser and a builder. Just the wire
// format: the cache and the resolver live elsewhere.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Hardware type (1)         |     Protocol type (0x0800)    |
// |  HLEN (6)     |  PLEN (4)     |          Operation            |
// |               Sender hardware address (6 bytes)               |
// |                               |   Sender protocol address     |
// |  (4 bytes)                    |   Target hardware address     |
// |                       (6 bytes)                               |
// |                Target protocol address (4 bytes)              |
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.hpp"
#include "base/parse.hpp"
#include "link/ethernet.hpp"

namespace l2 {

constexpr std::size_t kArpLen = 28;          // for Ethernet/IPv4
constexpr std::uint16_t kArpHtypeEthernet = 1;  // RFC 826 ar$hrd, IANA "Hardware Types"

enum class ArpOp : std::uint16_t { Request = 1, Reply = 2 };

struct ArpPacket {
    ArpOp op = ArpOp::Request;
    MacAddr sha;             // sender hardware address
    std::uint32_t spa = 0;   // sender protocol address, host order
    MacAddr tha;             // target hardware address (zero in a request)
    std::uint32_t tpa = 0;   // target protocol address, host order
};

// Truncated if shorter than the 8-byte fixed part or than the addresses its
// HLEN/PLEN announce; Unsupported for anything but htype 1, ptype 0x0800,
// hlen 6, plen 4, and operations other than request and reply. Bytes past
// the packet (Ethernet padding) are ignored.
base::Parsed<ArpPacket> parse_arp(base::Bytes packet);

// Writes the 28-byte packet. Returns 28, or 0 if out is too small.
std::size_t build_arp(base::MutBytes out, const ArpPacket& a);

std::string_view arp_op_name(ArpOp op);  // "Request", "Reply"

}  // namespace l2
