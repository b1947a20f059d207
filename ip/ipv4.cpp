#include "ip/ipv4.hpp"

#include "ip/checksum.hpp"

namespace ip {

using base::get_u16;
using base::get_u32;
using base::ParseError;
using base::put_u16;
using base::put_u32;

namespace {
constexpr std::uint16_t kFlagDf = 0x4000;      // RFC 791 3.1: flags bit 1
constexpr std::uint16_t kFlagMf = 0x2000;      // RFC 791 3.1: flags bit 2
constexpr std::uint16_t kOffsetMask = 0x1fff;  // 13-bit fragment offset

// The fixed fields, read once the header is known to fit in `p`.
void read_fields(const std::uint8_t* p, Ipv4Header& h) {
    h.ihl = p[0] & 0x0f;
    h.tos = p[1];
    h.total_length = get_u16(p + 2);
    h.id = get_u16(p + 4);
    const std::uint16_t flags_offset = get_u16(p + 6);
    h.df = flags_offset & kFlagDf;
    h.mf = flags_offset & kFlagMf;
    h.frag_offset = flags_offset & kOffsetMask;
    h.ttl = p[8];
    h.protocol = p[9];
    h.checksum = get_u16(p + 10);
    h.src = get_u32(p + 12);
    h.dst = get_u32(p + 16);
}

// Version and IHL checks shared by both parsers; returns the header length.
ParseError check_version_ihl(base::Bytes packet, std::size_t& hlen) {
    if (packet.size() < kIpv4HeaderLen) return ParseError::Truncated;
    // RFC 791 3.1: Version is 4.
    if ((packet[0] >> 4) != 4) return ParseError::BadVersion;
    // RFC 791 3.1: IHL counts 32-bit words; "the minimum value for a correct
    // header is 5". The header must also fit in what we received.
    hlen = std::size_t{packet[0] & 0x0fu} * 4;
    if (hlen < kIpv4HeaderLen || hlen > packet.size()) return ParseError::BadHeaderLength;
    return ParseError::None;
}
}  // namespace

base::Parsed<Ipv4View> parse_ipv4(base::Bytes packet, bool verify) {
    using P = base::Parsed<Ipv4View>;
    std::size_t hlen = 0;
    if (auto e = check_version_ihl(packet, hlen); e != ParseError::None) return P::fail(e);
    // RFC 791 3.1: Total Length covers header and data. Anything past it is
    // link-layer padding (Ethernet pads frames to 60 bytes) and is cut off.
    const std::uint16_t total_length = get_u16(packet.data() + 2);
    if (total_length < hlen || total_length > packet.size())
        return P::fail(ParseError::BadTotalLength);
    // RFC 791 3.1: the checksum covers the header only, options included; a
    // header that verifies sums to zero after the final complement.
    if (verify && checksum(packet.first(hlen)) != 0) return P::fail(ParseError::BadChecksum);
    Ipv4View v;
    read_fields(packet.data(), v.header);
    v.options = packet.subspan(kIpv4HeaderLen, hlen - kIpv4HeaderLen);
    v.payload = packet.subspan(hlen, total_length - hlen);
    return P{v, ParseError::None};
}

base::Parsed<Ipv4View> parse_ipv4_quoted(base::Bytes quote) {
    using P = base::Parsed<Ipv4View>;
    std::size_t hlen = 0;
    if (auto e = check_version_ihl(quote, hlen); e != ParseError::None) return P::fail(e);
    // RFC 792: the quote holds the header and at least 64 bits of its data,
    // enough for the ports of TCP and UDP.
    if (quote.size() < hlen + 8) return P::fail(ParseError::BadLength);
    Ipv4View v;
    read_fields(quote.data(), v.header);
    v.options = quote.subspan(kIpv4HeaderLen, hlen - kIpv4HeaderLen);
    v.payload = quote.subspan(hlen);
    return P{v, ParseError::None};
}

std::size_t build_ipv4_header(base::MutBytes out, const Ipv4Header& h) {
    if (out.size() < kIpv4HeaderLen) return 0;
    std::uint8_t* p = out.data();
    p[0] = 0x45;  // version 4, IHL 5: we send no options
    p[1] = h.tos;
    put_u16(p + 2, h.total_length);
    put_u16(p + 4, h.id);
    put_u16(p + 6, static_cast<std::uint16_t>((h.df ? kFlagDf : 0) | (h.mf ? kFlagMf : 0) |
                                              (h.frag_offset & kOffsetMask)));
    p[8] = h.ttl;
    p[9] = h.protocol;
    put_u16(p + 10, 0);  // RFC 791 3.1: zero while the checksum is computed
    put_u32(p + 12, h.src);
    put_u32(p + 16, h.dst);
    put_u16(p + 10, checksum(out.first(kIpv4HeaderLen)));
    return kIpv4HeaderLen;
}

}  // namespace ip
