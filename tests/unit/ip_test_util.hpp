// Helpers for the IP-layer tests: datagrams with a known payload, their
// fragments, and the views the stack would hand to the modules under test.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "ip/checksum.hpp"
#include "ip/fragment.hpp"
#include "ip/ipv4.hpp"

namespace ip_test {

using Buf = std::vector<std::uint8_t>;
constexpr std::uint32_t kSrc = 0x0a000002;  // 10.0.0.2
constexpr std::uint32_t kDst = 0x0a000001;  // 10.0.0.1

// An IPv4 packet around `data`, with the header fields given.
inline Buf packet(const ip::Ipv4Header& h, const Buf& data) {
    Buf p(ip::kIpv4HeaderLen + data.size());
    ip::Ipv4Header hh = h;
    hh.total_length = static_cast<std::uint16_t>(p.size());
    ip::build_ipv4_header(p, hh);
    std::copy(data.begin(), data.end(), p.begin() + ip::kIpv4HeaderLen);
    return p;
}

// A UDP-protocol datagram from kSrc to kDst carrying `data`.
inline Buf datagram(std::uint16_t id, const Buf& data) {
    ip::Ipv4Header h;
    h.id = id;
    h.protocol = ip::kProtoUdp;
    h.src = kSrc;
    h.dst = kDst;
    return packet(h, data);
}

// One fragment of datagram `id` carrying `data` at byte `offset` (a multiple of 8).
inline Buf fragment(std::uint16_t id, std::size_t offset, bool mf, const Buf& data) {
    ip::Ipv4Header h;
    h.id = id;
    h.protocol = ip::kProtoUdp;
    h.src = kSrc;
    h.dst = kDst;
    h.mf = mf;
    h.frag_offset = static_cast<std::uint16_t>(offset / 8);
    return packet(h, data);
}

// `pkt` with `options` (a multiple of 4 bytes) inserted after its 20-byte
// header; IHL, Total Length and the checksum follow.
inline Buf with_options(Buf pkt, const Buf& options) {
    pkt.insert(pkt.begin() + ip::kIpv4HeaderLen, options.begin(), options.end());
    const std::size_t hlen = ip::kIpv4HeaderLen + options.size();
    pkt[0] = static_cast<std::uint8_t>(0x40 | (hlen / 4));
    base::put_u16(pkt.data() + 2, static_cast<std::uint16_t>(pkt.size()));
    base::put_u16(pkt.data() + 10, 0);
    base::put_u16(pkt.data() + 10, ip::checksum(base::Bytes(pkt).first(hlen)));
    return pkt;
}

inline Buf filled(std::size_t n, std::uint8_t value) { return Buf(n, value); }

inline Buf random_bytes(std::size_t n, std::mt19937& rng) {
    Buf b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

// Every fragment the Fragmenter makes of `whole` for `mtu`.
inline std::vector<Buf> fragments_of(const Buf& whole, std::size_t mtu) {
    ip::Fragmenter f(whole, mtu);
    std::vector<Buf> out;
    Buf buf(mtu);
    while (std::size_t n = f.next(buf)) out.emplace_back(buf.begin(), buf.begin() + n);
    return out;
}

}  // namespace ip_test
