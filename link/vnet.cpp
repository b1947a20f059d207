#include "link/vnet.hpp"

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

void write_vnet(const VnetHdr& h, base::MutBytes out) {
    out[0] = h.flags;
    out[1] = h.gso_type;
    put_le16(out, 2, h.hdr_len);
    put_le16(out, 4, h.gso_size);
    put_le16(out, 6, h.csum_start);
    put_le16(out, 8, h.csum_offset);
}

void complete_checksum(const VnetHdr& h, base::MutBytes frame) {
    if (!(h.flags & VnetHdr::kNeedsCsum)) return;
    // RFC 1071: the one's complement of the one's complement sum of the
    // 16-bit words (a last odd byte padded with zero), the field included.
    std::uint64_t sum = 0;
    std::size_t i = h.csum_start;
    for (; i + 1 < frame.size(); i += 2) sum += std::uint32_t(frame[i]) << 8 | frame[i + 1];
    if (i < frame.size()) sum += std::uint32_t(frame[i]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    const auto c = static_cast<std::uint16_t>(~sum);
    const std::size_t at = std::size_t{h.csum_start} + h.csum_offset;
    frame[at] = static_cast<std::uint8_t>(c >> 8);
    frame[at + 1] = static_cast<std::uint8_t>(c);
}

}  // namespace l2
