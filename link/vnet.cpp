#include "link/vnet.hpp"

#include "ip/checksum.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"

namespace l2 {

namespace {
std::uint16_t le16(base::Bytes b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}
void put_le16(base::MutBytes b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v);
    b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}
}  // namespace

std::optional<VnetHdr> parse_vnet(base::Bytes b, std::size_t frame_len) {
    if (b.size() < kVnetHdrLen) return std::nullopt;
    VnetHdr h;
    h.flags = b[0];
    h.gso_type = b[1];
    h.hdr_len = le16(b, 2);
    h.gso_size = le16(b, 4);
    h.csum_start = le16(b, 6);
    h.csum_offset = le16(b, 8);
    if ((h.flags & VnetHdr::kNeedsCsum) &&
        std::size_t{h.csum_start} + h.csum_offset + 2 > frame_len)
        return std::nullopt;
    // We offered TUN_F_CSUM and TUN_F_TSO4 only (tap.cpp).
    const std::uint8_t type = h.gso_type & static_cast<std::uint8_t>(~VnetHdr::kGsoEcn);
    if (type != VnetHdr::kGsoNone && type != VnetHdr::kGsoTcpV4) return std::nullopt;
    if (type == VnetHdr::kGsoTcpV4 && (h.gso_size == 0 || !(h.flags & VnetHdr::kNeedsCsum)))
        return std::nullopt;
    return h;
}

std::optional<TsoPlan> plan_tso(base::Bytes f, std::uint16_t gso_size) {
    constexpr std::size_t eth = kEthHeaderLen;  // RFC 894
    if (gso_size == 0 || f.size() < eth + 20 || f[12] != 0x08 || f[13] != 0x00) return std::nullopt;
    const std::size_t ihl = std::size_t{f[eth] & 0x0fu} * 4;
    const std::size_t total = std::size_t{f[eth + 2]} << 8 | f[eth + 3];
    // RFC 791: version 4, a header of 20 bytes or more, TCP inside.
    if ((f[eth] >> 4) != 4 || ihl < 20 || f[eth + 9] != ip::kProtoTcp || total < ihl + 20 ||
        eth + total > f.size())
        return std::nullopt;
    const std::size_t thl = (std::size_t{f[eth + ihl + 12]} >> 4) * 4;  // RFC 9293 3.1 data offset
    if (thl < 20 || ihl + thl > total) return std::nullopt;
    TsoPlan p;
    p.hdr.flags = VnetHdr::kNeedsCsum;
    p.hdr.gso_type = VnetHdr::kGsoTcpV4;
    p.hdr.hdr_len = static_cast<std::uint16_t>(eth + ihl + thl);
    p.hdr.gso_size = gso_size;
    p.hdr.csum_start = static_cast<std::uint16_t>(eth + ihl);
    p.hdr.csum_offset = 16;  // RFC 9293 3.1: the checksum is bytes 16-17
    p.csum_at = eth + ihl + 16;
    // RFC 9293 3.1: source, destination, zero + PTCL, TCP length.
    ip::Checksum c;
    ip::add_pseudo_header(c, base::get_u32(&f[eth + 12]), base::get_u32(&f[eth + 16]), ip::kProtoTcp,
                          static_cast<std::uint16_t>(total - ihl));
    p.pseudo = c.folded();
    return p;
}

void write_vnet(const VnetHdr& h, base::MutBytes out) {
    out[0] = h.flags;
    out[1] = h.gso_type;
    put_le16(out, 2, h.hdr_len);
    put_le16(out, 4, h.gso_size);
    put_le16(out, 6, h.csum_start);
    put_le16(out, 8, h.csum_offset);
}

void finish_partial_checksum(const Received& r, base::MutBytes frame) {
    if (r.partial_offset == 0) return;
    const std::size_t at = std::size_t{r.partial_start} + r.partial_offset;
    if (at + 2 > frame.size()) return;
    // RFC 1071: the one's complement of the one's complement sum of the
    // 16-bit words from the start to the end, the field (holding the
    // pseudo-header's sum) included.
    ip::Checksum c;
    c.add(frame.subspan(r.partial_start));
    const std::uint16_t v = c.finish();
    frame[at] = static_cast<std::uint8_t>(v >> 8);
    frame[at + 1] = static_cast<std::uint8_t>(v);
}

}  // namespace l2
