#include "link/gso.hpp"

#include <algorithm>
#include <cstring>

#include "ip/checksum.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"

namespace l2 {

namespace {

constexpr std::uint8_t kFin = 0x01, kPsh = 0x08, kCwr = 0x80;  // RFC 9293 3.1, RFC 3168

}  // namespace

std::size_t segment_tcp(base::Bytes packet, Framing framing, std::uint16_t gso_size,
                        std::vector<std::uint8_t>& scratch, const EmitPiece& emit) {
    const std::size_t l2 = framing == Framing::Ethernet ? kEthHeaderLen : 0;
    if (gso_size == 0 || packet.size() < l2 + 40) return 0;
    const base::Bytes p = packet.subspan(l2);
    if ((p[0] >> 4) != 4 || p[9] != ip::kProtoTcp) return 0;
    const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
    const std::size_t total = base::get_u16(&p[2]);
    if (ihl < 20 || total > p.size() || total < ihl + 20) return 0;
    const std::size_t thl = (std::size_t{p[ihl + 12]} >> 4) * 4;  // RFC 9293 3.1 data offset
    const std::size_t hdr = ihl + thl;
    if (thl < 20 || hdr > total) return 0;
    scratch.resize(l2 + hdr + gso_size);
    const std::uint32_t src = base::get_u32(&p[12]), dst = base::get_u32(&p[16]);
    const std::uint16_t id = base::get_u16(&p[4]);
    const std::uint32_t seq = base::get_u32(&p[ihl + 4]);
    const std::uint8_t flags = p[ihl + 13];
    std::size_t pieces = 0;
    for (std::size_t off = hdr;; off += gso_size) {
        const std::size_t len = std::min<std::size_t>(gso_size, total - off);
        const bool first = pieces == 0, last = off + len >= total;
        std::memcpy(scratch.data(), packet.data(), l2 + hdr);
        std::uint8_t* q = scratch.data() + l2;
        std::memcpy(q + hdr, p.data() + off, len);
        base::put_u16(&q[2], static_cast<std::uint16_t>(hdr + len));
        base::put_u16(&q[4], static_cast<std::uint16_t>(id + pieces));
        base::put_u16(&q[10], 0);
        base::put_u16(&q[10], ip::checksum({q, ihl}));
        base::put_u32(&q[ihl + 4], seq + static_cast<std::uint32_t>(off - hdr));
        std::uint8_t f = flags;
        if (!last) f &= static_cast<std::uint8_t>(~(kFin | kPsh));
        if (!first) f &= static_cast<std::uint8_t>(~kCwr);
        q[ihl + 13] = f;
        base::put_u16(&q[ihl + 16], 0);
        base::put_u16(&q[ihl + 16], ip::transport_checksum(src, dst, ip::kProtoTcp, {q + ihl, thl + len}));
        emit({scratch.data(), l2 + hdr + len});
        ++pieces;
        if (last) return pieces;
    }
}

}  // namespace l2
