#include "link/gso_checksum.hpp"

#include "ip/checksum.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"

namespace l2 {

std::optional<TcpChecksumAt> locate_tcp_checksum(base::Bytes f, Framing framing) {
    return locate_tcp_checksum(f, f.size(), framing);
}

std::optional<TcpChecksumAt> locate_tcp_checksum(base::Bytes f, std::size_t len, Framing framing) {
    std::size_t at = 0;
    if (framing == Framing::Ethernet) {
        // RFC 894: IPv4 is EtherType 0x0800 after the 14-byte header.
        if (f.size() < kEthHeaderLen || f[12] != 0x08 || f[13] != 0x00) return std::nullopt;
        at = kEthHeaderLen;
    }
    if (f.size() < at + 20) return std::nullopt;
    const std::size_t ihl = std::size_t{f[at] & 0x0fu} * 4;
    const std::size_t total = base::get_u16(&f[at + 2]);
    // RFC 791: version 4, a header of 20 bytes or more, TCP inside, and no
    // fragment (MF clear, offset 0): the segment is whole in this packet.
    const bool fragment = (base::get_u16(&f[at + 6]) & 0x3fff) != 0;
    if ((f[at] >> 4) != 4 || ihl < 20 || f[at + 9] != ip::kProtoTcp || fragment ||
        total < ihl + 20 || at + total > len || at + ihl + 20 > f.size())
        return std::nullopt;
    TcpChecksumAt c;
    c.tcp_start = at + ihl;
    c.tcp_len = total - ihl;
    c.header_len = (std::size_t{f[c.tcp_start + 12]} >> 4) * 4;  // RFC 9293 3.1 data offset
    if (c.header_len < 20 || c.header_len > c.tcp_len || c.tcp_start + c.header_len > f.size())
        return std::nullopt;
    // RFC 9293 3.1: source, destination, zero + PTCL, TCP length.
    ip::Checksum s;
    ip::add_pseudo_header(s, base::get_u32(&f[at + 12]), base::get_u32(&f[at + 16]), ip::kProtoTcp,
                          static_cast<std::uint16_t>(c.tcp_len));
    c.pseudo = s.folded();
    return c;
}

bool tcp_checksum_is_partial(base::Bytes packet, Framing framing) {
    const auto c = locate_tcp_checksum(packet, framing);
    return c && base::get_u16(&packet[c->field()]) == c->pseudo;
}

bool finish_partial_at(base::MutBytes frame, std::size_t start, std::size_t offset) {
    if (start + offset + 2 > frame.size()) return false;
    // RFC 1071: the one's complement of the one's complement sum of the
    // 16-bit words from the start to the end, the field (holding the
    // pseudo-header's sum) included.
    ip::Checksum c;
    c.add(frame.subspan(start));
    base::put_u16(&frame[start + offset], c.finish());
    return true;
}

bool finish_tcp_checksum(base::MutBytes packet, Framing framing) {
    const auto c = locate_tcp_checksum(packet, framing);
    if (!c) return false;
    // Only the TCP length counts: an Ethernet frame's padding is no part of it.
    return finish_partial_at(packet.first(c->tcp_start + c->tcp_len), c->tcp_start, 16);
}

}  // namespace l2
