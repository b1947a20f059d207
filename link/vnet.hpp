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

// NEEDS_CSUM: what a NIC would have done. The field at start + offset holds
// the pseudo-header's sum; the RFC 1071 sum from start to the end goes in
// its place, so the frame is whole again. The receive path never pays for
// it (the frame never left this host, so its checksum is trusted, as
// Linux trusts CHECKSUM_PARTIAL); a pcap writer calls it so the file holds
// whole frames. Does nothing when `r` records no partial checksum, or when
// it lies outside the frame.
void finish_partial_checksum(const Received& r, base::MutBytes frame);

}  // namespace l2
