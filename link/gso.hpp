// Segmentation in software: what the kernel's GSO does for an interface
// without TSO (tcp_gso_segment), for whoever holds a TCP super-packet and
// must put its pieces on the wire itself. The fault injector uses it to
// damage one piece of a super-packet, as a bit flipped on the wire after a
// NIC's TSO would.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "base/bytes.hpp"
#include "link/device.hpp"

namespace l2 {

// Cuts the IPv4 TCP packet `packet` (Ethernet framing: behind its 14-byte
// header, which every piece keeps) into pieces of at most `gso_size`
// payload bytes and hands each to `emit` (valid during the call only):
// every piece with the super-packet's IP and TCP headers and options; the
// IPv4 total length, identification (one more a piece) and header checksum
// redone (RFC 791 3.1); SEQ advanced by the payload before it (RFC 9293
// 3.4); FIN and PSH on the last piece only, CWR on the first only (RFC 3168
// 6.1.2); and a whole TCP checksum (RFC 9293 3.1), whatever the field held.
// Returns how many pieces went out: 0, with nothing emitted, when `packet`
// is no IPv4 TCP packet or gso_size is 0.
using EmitPiece = std::function<void(base::Bytes piece)>;
std::size_t segment_tcp(base::Bytes packet, Framing framing, std::uint16_t gso_size,
                        std::vector<std::uint8_t>& scratch, const EmitPiece& emit);

}  // namespace l2
