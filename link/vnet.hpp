// The virtio_net_hdr a TAP opened with IFF_VNET_HDR puts before every frame
// (the kernel's include/uapi/linux/virtio_net.h; the Virtio 1.1 spec,
// 5.1.6 "Device Operation"): whether the transport checksum is still to be
// completed (NEEDS_CSUM, with where it starts and where it goes) and whether
// the frame is a GSO super-packet to be cut into gso_size pieces. The TAP
// speaks the host's byte order, little-endian on every machine we build for.
#pragma once
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "link/device.hpp"

namespace l2 {

inline constexpr std::size_t kVnetHdrLen = 10;  // without num_buffers

struct VnetHdr {
    static constexpr std::uint8_t kNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
    static constexpr std::uint8_t kDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
    static constexpr std::uint8_t kGsoNone = 0, kGsoTcpV4 = 1, kGsoUdp = 3, kGsoTcpV6 = 4;
    static constexpr std::uint8_t kGsoEcn = 0x80;

    std::uint8_t flags = 0;
    std::uint8_t gso_type = kGsoNone;
    std::uint16_t hdr_len = 0;      // the headers before the payload (GSO)
    std::uint16_t gso_size = 0;     // payload bytes per segment (the MSS)
    std::uint16_t csum_start = 0;   // from the frame's start
    std::uint16_t csum_offset = 0;  // from csum_start: where the sum goes
};

// The header of a received frame, checked against the frame that follows
// it (`frame_len` bytes): nullopt when the checksum position lies outside
// the frame, or the GSO type is one we did not ask for.
std::optional<VnetHdr> parse_vnet(base::Bytes hdr, std::size_t frame_len);
void write_vnet(const VnetHdr& h, base::MutBytes out);  // kVnetHdrLen bytes

// What a TCP super-packet we send needs (the kernel's
// virtio_net_hdr_to_skb): GSO_TCPV4 with `gso_size` payload bytes a piece,
// hdr_len the Ethernet, IPv4 and TCP headers, and NEEDS_CSUM at the TCP
// checksum (the kernel completes each piece's sum); `pseudo` is what that
// field must already hold (link/gso_checksum.hpp: send_gso's packets are
// partial): the folded sum of the RFC 9293 3.1 pseudo-header, with the
// super-packet's TCP length, not complemented. nullopt when `frame` is not
// an Ethernet frame with an IPv4 header and a whole TCP header, or
// gso_size is 0.
struct TsoPlan {
    VnetHdr hdr;
    std::uint16_t pseudo = 0;
    std::size_t csum_at = 0;  // from the frame's start
};
std::optional<TsoPlan> plan_tso(base::Bytes frame, std::uint16_t gso_size);
// The same for a frame of `frame_len` bytes of which `head` holds the
// first, every header among them (GsoParts).
std::optional<TsoPlan> plan_tso(base::Bytes head, std::size_t frame_len, std::uint16_t gso_size);
// plan_tso() for what Device::send_gso takes: nullopt also when the TCP
// checksum field does not hold the pseudo-header's sum (the host leaves it
// partial, link/gso_checksum.hpp, and the kernel completes it per piece:
// anything else there would put a wrong checksum on every piece).
std::optional<TsoPlan> plan_partial_tso(base::Bytes head, std::size_t frame_len, std::uint16_t gso_size);

// NEEDS_CSUM: what a NIC would have done. The field at start + offset holds
// the pseudo-header's sum; the RFC 1071 sum from start to the end goes in
// its place, so the frame is whole again. The receive path never pays for
// it (the frame never left this host, so its checksum is trusted, as
// Linux trusts CHECKSUM_PARTIAL); a pcap writer calls it so the file holds
// whole frames. Does nothing when `r` records no partial checksum, or when
// it lies outside the frame.
void finish_partial_checksum(const Received& r, base::MutBytes frame);

}  // namespace l2
