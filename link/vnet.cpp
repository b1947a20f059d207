#include "link/vnet.hpp"

#include "link/gso_checksum.hpp"

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
    return plan_tso(f, f.size(), gso_size);
}

std::optional<TsoPlan> plan_tso(base::Bytes f, std::size_t frame_len, std::uint16_t gso_size) {
    const auto c = locate_tcp_checksum(f, frame_len, Framing::Ethernet);
    if (gso_size == 0 || !c) return std::nullopt;
    TsoPlan p;
    p.hdr.flags = VnetHdr::kNeedsCsum;
    p.hdr.gso_type = VnetHdr::kGsoTcpV4;
    p.hdr.hdr_len = static_cast<std::uint16_t>(c->tcp_start + c->header_len);
    p.hdr.gso_size = gso_size;
    p.hdr.csum_start = static_cast<std::uint16_t>(c->tcp_start);
    p.hdr.csum_offset = 16;  // RFC 9293 3.1: the checksum is bytes 16-17
    p.csum_at = c->field();
    p.pseudo = c->pseudo;
    return p;
}

std::optional<TsoPlan> plan_partial_tso(base::Bytes f, std::size_t frame_len, std::uint16_t gso_size) {
    auto p = plan_tso(f, frame_len, gso_size);
    if (!p || base::get_u16(&f[p->csum_at]) != p->pseudo) return std::nullopt;
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
    finish_partial_at(frame, r.partial_start, r.partial_offset);
}

}  // namespace l2
