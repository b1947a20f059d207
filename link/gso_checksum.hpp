// The checksum contract of Device::send_gso (link/device.hpp), as Linux's
// CHECKSUM_PARTIAL skb: a TCP super-packet handed to send_gso with a
// gso_size other than 0 carries in its TCP checksum field only the folded
// one's complement sum of the RFC 9293 3.1 pseudo-header (source,
// destination, zero + PTCL, the super-packet's TCP length), not
// complemented; the RFC 1071 sum over the TCP header and data is left to
// whoever cuts it or needs it whole (the TAP's kernel per piece, a pcap
// writer, the fault injector before it flips a byte, a device that cannot
// segment). Every other packet is whole.
//
// These find the field in an Ethernet frame (RFC 894) or a bare IPv4
// packet, tell a partial one, and finish it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "link/device.hpp"

namespace l2 {

// Where an IPv4 TCP packet's transport checksum is, from the packet's start.
struct TcpChecksumAt {
    std::size_t tcp_start = 0;   // the TCP header (csum_start)
    std::size_t tcp_len = 0;     // header + data, by the IPv4 total length
    std::size_t header_len = 0;  // the TCP header's, by its data offset
    std::uint16_t pseudo = 0;    // the folded RFC 9293 3.1 pseudo-header sum
    std::size_t field() const { return tcp_start + 16; }  // RFC 9293 3.1: bytes 16-17
};
// nullopt unless `packet` (Ethernet: an IPv4 EtherType) holds an IPv4
// header (RFC 791: version 4, IHL of 20 bytes or more, not a fragment) with
// TCP inside, a total length within the packet and a whole TCP header.
std::optional<TcpChecksumAt> locate_tcp_checksum(base::Bytes packet, Framing framing);
// The same for a packet of `packet_len` bytes of which `head` holds only
// the first, every header among them (GsoParts::head): nullopt also when
// the TCP header does not end within `head`.
std::optional<TcpChecksumAt> locate_tcp_checksum(base::Bytes head, std::size_t packet_len,
                                                 Framing framing);

// True when the TCP checksum field holds the pseudo-header sum (partial).
bool tcp_checksum_is_partial(base::Bytes packet, Framing framing);

// Replaces the pseudo-header sum in the field with the whole RFC 1071
// checksum (the one's complement of the sum from the TCP header to the end,
// that field included), as a NIC completes CHECKSUM_PARTIAL. The bytes are
// then the same as if the checksum had been computed whole. False (nothing
// written) when the packet is no IPv4 TCP packet.
bool finish_tcp_checksum(base::MutBytes packet, Framing framing);

// The same, for a sum that starts at `start` and goes at start + offset
// (a TAP's NEEDS_CSUM). False when the field lies outside the frame.
bool finish_partial_at(base::MutBytes frame, std::size_t start, std::size_t offset);

}  // namespace l2
