#include "link/arp.hpp"

#include <algorithm>
#include <cstring>

namespace l2 {

using base::get_u16;
using base::get_u32;
using base::ParseError;
using base::put_u16;
using base::put_u32;

namespace {
constexpr std::size_t kFixedLen = 8;  // htype, ptype, hlen, plen, op
constexpr std::uint8_t kHlenEthernet = 6;
constexpr std::uint8_t kPlenIpv4 = 4;
}  // namespace

base::Parsed<ArpPacket> parse_arp(base::Bytes packet) {
    using P = base::Parsed<ArpPacket>;
    if (packet.size() < kFixedLen) return P::fail(ParseError::Truncated);
    const std::uint8_t* p = packet.data();
    const std::uint16_t htype = get_u16(p);
    const std::uint16_t ptype = get_u16(p + 2);
    const std::uint8_t hlen = p[4];
    const std::uint8_t plen = p[5];
    // RFC 826 "Packet Reception": a receiver that does not speak the
    // hardware and protocol types named in the packet discards it.
    if (htype != kArpHtypeEthernet || ptype != ethertype::IPv4 || hlen != kHlenEthernet ||
        plen != kPlenIpv4)
        return P::fail(ParseError::Unsupported);
    if (packet.size() < kFixedLen + 2 * (std::size_t{hlen} + plen))
        return P::fail(ParseError::Truncated);
    const std::uint16_t op = get_u16(p + 6);
    if (op != static_cast<std::uint16_t>(ArpOp::Request) &&
        op != static_cast<std::uint16_t>(ArpOp::Reply))
        return P::fail(ParseError::Unsupported);

    ArpPacket a;
    a.op = static_cast<ArpOp>(op);
    std::copy_n(p + 8, 6, a.sha.bytes.begin());
    a.spa = get_u32(p + 14);
    std::copy_n(p + 18, 6, a.tha.bytes.begin());
    a.tpa = get_u32(p + 24);
    return P{a, ParseError::None};
}

std::size_t build_arp(base::MutBytes out, const ArpPacket& a) {
    if (out.size() < kArpLen) return 0;
    std::uint8_t* p = out.data();
    put_u16(p, kArpHtypeEthernet);
    put_u16(p + 2, ethertype::IPv4);
    p[4] = kHlenEthernet;
    p[5] = kPlenIpv4;
    put_u16(p + 6, static_cast<std::uint16_t>(a.op));
    std::memcpy(p + 8, a.sha.bytes.data(), 6);
    put_u32(p + 14, a.spa);
    std::memcpy(p + 18, a.tha.bytes.data(), 6);
    put_u32(p + 24, a.tpa);
    return kArpLen;
}

std::string_view arp_op_name(ArpOp op) {
    switch (op) {
        case ArpOp::Request: return "Request";
        case ArpOp::Reply: return "Reply";
    }
    return "unknown";
}

}  // namespace l2
