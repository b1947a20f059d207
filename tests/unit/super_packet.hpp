// A TCP super-packet as the host builds it for a device that segments
// (host/output.cpp, l2::Device::send_gso), for the TSO and checksum tests.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "base/bytes.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"
#include "tcp/segment.hpp"

namespace test_tso {

constexpr std::uint32_t kSrc = 0x0a000002, kDst = 0x0a000001;  // 10.0.0.2 -> 10.0.0.1

// IPv4 (DF, `protocol` in its header) from kSrc to kDst, after a 14-byte
// Ethernet header when `eth`; TCP with timestamps; `payload` bytes handed
// in two pieces, as the send ring does; the checksum as `mode` says.
inline std::vector<std::uint8_t> super_packet(std::size_t payload, tcp::ChecksumMode mode,
                                              bool eth = false,
                                              std::uint8_t protocol = ip::kProtoTcp) {
    std::vector<std::uint8_t> data(payload);
    for (std::size_t i = 0; i < payload; ++i) data[i] = static_cast<std::uint8_t>(i * 13 + 5);
    tcp::Header th;
    th.src_port = 40000;
    th.dst_port = 9;
    th.seq = 0xfffff000;
    th.ack = 77;
    th.flags = tcp::flag::ACK | tcp::flag::PSH;
    th.window = 1000;
    th.options.timestamps = tcp::Timestamps{0xabcdef01, 0x10203040};
    const std::size_t at = eth ? l2::kEthHeaderLen : 0;
    std::vector<std::uint8_t> f(at + ip::kIpv4HeaderLen + tcp::kHeaderMax + payload);
    const base::MutBytes ipb = base::MutBytes(f).subspan(at);
    const base::Bytes d(data);
    const std::size_t half = payload / 3;  // the ring's two pieces
    const std::size_t tl = tcp::build(ipb.subspan(ip::kIpv4HeaderLen), th, kSrc, kDst, d.first(half),
                                      d.subspan(half), mode);
    REQUIRE(tl > 0);
    ip::Ipv4Header ih;
    ih.total_length = static_cast<std::uint16_t>(ip::kIpv4HeaderLen + tl);
    ih.df = true;
    ih.protocol = protocol;
    ih.src = kSrc;
    ih.dst = kDst;
    ip::build_ipv4_header(ipb, ih);
    if (eth)
        l2::build_ethernet_header(f, {l2::MacAddr{{2, 0, 0, 0, 0, 1}}, l2::MacAddr{{2, 0, 0, 0, 0, 2}},
                                      l2::ethertype::IPv4});
    f.resize(at + ih.total_length);
    return f;
}

}  // namespace test_tso
