// The Internet checksum (RFC 1071), used by IPv4, ICMP, UDP and TCP.
//
// The sum is accumulated 64 bits at a time (RFC 1071 section 2(B): the sum is
// independent of byte order and can be computed in wider words, folding the
// carries at the end), so no byte-at-a-time loop sits on the packet path.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace ip {

// A running one's-complement sum. Feed it spans in order (odd-length spans are
// handled: the next span continues at the odd byte), then take finish().
class Checksum {
public:
    void add(std::span<const std::uint8_t> data);
    void add_u16(std::uint16_t v);  // a 16-bit field in host order
    void add_u32(std::uint32_t v);  // two 16-bit fields in host order
    // The final 16-bit one's complement of the sum, in host order; put it on
    // the wire with base::put_u16.
    std::uint16_t finish() const;
    // The folded sum (not complemented). A packet whose stored checksum is
    // correct sums to 0xffff over all its bytes.
    std::uint16_t folded() const;

private:
    std::uint64_t sum_ = 0;  // sum of big-endian 16-bit words, unfolded
    bool odd_ = false;       // the last span ended on an odd byte
};

// One-shot checksum of a buffer.
std::uint16_t checksum(std::span<const std::uint8_t> data);

// The TCP/UDP pseudo-header of RFC 9293 3.1 / RFC 768, summed into `c`:
// source, destination, zero, protocol, transport length.
void add_pseudo_header(Checksum& c, std::uint32_t src, std::uint32_t dst,
                       std::uint8_t protocol, std::uint16_t length);

// Checksum of a transport segment (header with its checksum field zeroed or
// not, plus payload) with its pseudo-header.
std::uint16_t transport_checksum(std::uint32_t src, std::uint32_t dst, std::uint8_t protocol,
                                 std::span<const std::uint8_t> segment);

// True when a transport segment's stored checksum verifies.
bool transport_checksum_ok(std::uint32_t src, std::uint32_t dst, std::uint8_t protocol,
                           std::span<const std::uint8_t> segment);

}  // namespace ip
