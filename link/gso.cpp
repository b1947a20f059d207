#include "link/gso.hpp"

#include <algorithm>
#include <cstring>

#include "ip/checksum.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"
#include "link/gso_checksum.hpp"

namespace l2 {

namespace {

constexpr std::uint8_t kFin = 0x01, kPsh = 0x08, kCwr = 0x80;  // RFC 9293 3.1, RFC 3168

}  // namespace

std::size_t segment_tcp(base::Bytes packet, Framing framing, std::uint16_t gso_size,
                        std::vector<std::uint8_t>& scratch, const EmitPiece& emit) {
    const auto at = locate_tcp_checksum(packet, framing);
    if (gso_size == 0 || !at) return 0;
    const std::size_t ip_at = framing == Framing::Ethernet ? kEthHeaderLen : 0;
    const std::size_t ihl = at->tcp_start - ip_at, thl = at->header_len;
    const std::size_t hdr = at->tcp_start + thl;  // every header, Ethernet's too
    const std::size_t end = at->tcp_start + at->tcp_len;
    scratch.resize(hdr + gso_size);
    const std::uint8_t* p = packet.data() + ip_at;
    const std::uint32_t src = base::get_u32(&p[12]), dst = base::get_u32(&p[16]);
    const std::uint16_t id = base::get_u16(&p[4]);
    const std::uint32_t seq = base::get_u32(&p[ihl + 4]);
    const std::uint8_t flags = p[ihl + 13];
    std::size_t pieces = 0;
    for (std::size_t off = hdr;; off += gso_size) {
        const std::size_t len = std::min<std::size_t>(gso_size, end - off);
        const bool first = pieces == 0, last = off + len >= end;
        std::memcpy(scratch.data(), packet.data(), hdr);
        std::memcpy(scratch.data() + hdr, packet.data() + off, len);
        std::uint8_t* q = scratch.data() + ip_at;
        base::put_u16(&q[2], static_cast<std::uint16_t>(ihl + thl + len));
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
        emit({scratch.data(), hdr + len});
        ++pieces;
        if (last) return pieces;
    }
}

}  // namespace l2
