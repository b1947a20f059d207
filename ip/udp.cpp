#include "ip/udp.hpp"

#include <cstring>

#include "ip/checksum.hpp"
#include "ip/ipv4.hpp"

namespace ip {

using base::get_u16;
using base::ParseError;
using base::put_u16;

base::Parsed<UdpView> parse_udp(base::Bytes datagram, std::uint32_t src_ip, std::uint32_t dst_ip,
                                bool verify) {
    using P = base::Parsed<UdpView>;
    if (datagram.size() < kUdpHeaderLen) return P::fail(ParseError::Truncated);
    const std::uint8_t* p = datagram.data();
    UdpView v;
    UdpHeader& h = v.header;
    h.src_port = get_u16(p);
    h.dst_port = get_u16(p + 2);
    h.length = get_u16(p + 4);
    h.checksum = get_u16(p + 6);
    // RFC 768: "Length is the length in octets of this user datagram
    // including this header and the data", so at least 8, and it cannot
    // promise more than the IP layer delivered.
    if (h.length < kUdpHeaderLen || h.length > datagram.size())
        return P::fail(ParseError::BadLength);
    const base::Bytes udp = datagram.first(h.length);
    // RFC 768: "An all zero transmitted checksum value means that the
    // transmitter generated no checksum"; otherwise it covers the
    // pseudo-header, the header and the data.
    if (verify && h.checksum != 0 && !transport_checksum_ok(src_ip, dst_ip, kProtoUdp, udp))
        return P::fail(ParseError::BadChecksum);
    v.payload = udp.subspan(kUdpHeaderLen);
    return P{v, ParseError::None};
}

std::size_t build_udp(base::MutBytes out, const UdpHeader& h, std::uint32_t src_ip,
                      std::uint32_t dst_ip, base::Bytes payload) {
    const std::size_t total = kUdpHeaderLen + payload.size();
    if (total > 0xffff || out.size() < total) return 0;
    std::uint8_t* p = out.data();
    put_u16(p, h.src_port);
    put_u16(p + 2, h.dst_port);
    put_u16(p + 4, static_cast<std::uint16_t>(total));
    put_u16(p + 6, 0);
    if (!payload.empty()) std::memcpy(p + kUdpHeaderLen, payload.data(), payload.size());
    std::uint16_t sum = transport_checksum(src_ip, dst_ip, kProtoUdp, out.first(total));
    // RFC 768: "If the computed checksum is zero, it is transmitted as all
    // ones"; zero on the wire means "no checksum".
    if (sum == 0) sum = 0xffff;
    put_u16(p + 6, sum);
    return total;
}

}  // namespace ip
