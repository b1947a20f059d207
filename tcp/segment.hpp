// The TCP header (RFC 9293 3.1) and its options, as a plain struct, with a
// parser that validates everything before anyone else sees the segment and
// a builder that writes into the caller's buffer.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Source Port          |       Destination Port        |
// |                        Sequence Number                        |
// |                    Acknowledgment Number                      |
// |  Data |       |C|E|U|A|P|R|S|F|                               |
// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
// |           Checksum            |         Urgent Pointer        |
// |                    Options                    |    Padding    |
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/bytes.hpp"
#include "base/parse.hpp"
#include "tcp/seq.hpp"

namespace tcp {

namespace flag {
constexpr std::uint8_t FIN = 0x01;
constexpr std::uint8_t SYN = 0x02;
constexpr std::uint8_t RST = 0x04;
constexpr std::uint8_t PSH = 0x08;
constexpr std::uint8_t ACK = 0x10;
constexpr std::uint8_t URG = 0x20;
constexpr std::uint8_t ECE = 0x40;
constexpr std::uint8_t CWR = 0x80;
}  // namespace flag

constexpr std::size_t kHeaderMin = 20;
constexpr std::size_t kHeaderMax = 60;
constexpr std::size_t kMaxSackBlocks = 4;  // RFC 2018 3: at most 4 fit in 40 bytes
constexpr std::uint8_t kProtocol = 6;      // IPv4 protocol number

// Option kinds (RFC 9293 3.2, RFC 7323, RFC 2018).
namespace opt {
constexpr std::uint8_t EOL = 0;
constexpr std::uint8_t NOP = 1;
constexpr std::uint8_t MSS = 2;
constexpr std::uint8_t WSCALE = 3;
constexpr std::uint8_t SACK_PERMITTED = 4;
constexpr std::uint8_t SACK = 5;
constexpr std::uint8_t TIMESTAMPS = 8;
}  // namespace opt

struct SackBlock {
    Seq left = 0;   // first sequence number of the block
    Seq right = 0;  // sequence number just past the block
    bool operator==(const SackBlock&) const = default;
};

struct Timestamps {
    std::uint32_t val = 0;  // TSval
    std::uint32_t ecr = 0;  // TSecr
    bool operator==(const Timestamps&) const = default;
};

struct Options {
    std::optional<std::uint16_t> mss;
    std::optional<std::uint8_t> wscale;  // shift count as received (may exceed 14)
    bool sack_permitted = false;
    std::optional<Timestamps> timestamps;
    std::uint8_t sack_count = 0;
    std::array<SackBlock, kMaxSackBlocks> sack{};

    std::size_t wire_length() const;  // bytes, padded to a multiple of 4
    bool operator==(const Options&) const = default;
};

struct Header {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    Seq seq = 0;
    Seq ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;  // as on the wire, unscaled
    std::uint16_t checksum = 0;  // as received (parse) / ignored (build)
    std::uint16_t urgent = 0;
    std::uint8_t data_offset = 5;  // in 32-bit words, as received
    Options options;

    bool has(std::uint8_t f) const { return (flags & f) != 0; }
};

// A parsed segment: the header plus a view of the payload inside the
// caller's buffer (valid as long as that buffer is).
struct SegmentView {
    Header header;
    base::Bytes payload;
    // Sequence space the segment occupies: payload + SYN + FIN (RFC 9293 3.4).
    std::uint32_t seg_len() const {
        return static_cast<std::uint32_t>(payload.size()) + (header.has(flag::SYN) ? 1 : 0) +
               (header.has(flag::FIN) ? 1 : 0);
    }
};

// Parses a TCP segment (header + payload, no IP header). When `verify`
// is set, the checksum over the pseudo-header of src_ip/dst_ip (host order)
// must verify. Unknown options are skipped by their length; malformed ones
// reject the whole segment.
base::Parsed<SegmentView> parse(base::Bytes segment, std::uint32_t src_ip,
                                std::uint32_t dst_ip, bool verify = true);

// How build() fills the checksum field (RFC 9293 3.1). Whole: the
// checksum. Partial: only the folded sum of the pseudo-header, not
// complemented, for a TSO super-segment whose device completes the sum
// over the header and data (Linux's CHECKSUM_PARTIAL; the contract of
// l2::Device::send_gso, link/gso_checksum.hpp), so the sender never reads
// the 64 KiB it just wrote a second time.
enum class ChecksumMode : std::uint8_t { Whole, Partial };

// Writes header (with options, padded) and payload (p1 then p2: a ring buffer
// may hand its bytes in two pieces) into `out`, with the checksum over the
// pseudo-header (or its partial sum, see ChecksumMode). Returns the number
// of bytes written, or 0 if `out` is too small. data_offset and checksum of
// `h` are computed, not taken.
std::size_t build(base::MutBytes out, const Header& h, std::uint32_t src_ip, std::uint32_t dst_ip,
                  base::Bytes p1 = {}, base::Bytes p2 = {},
                  ChecksumMode mode = ChecksumMode::Whole);

// The header of the segment build() would write with ChecksumMode::Partial
// for `payload_len` bytes of payload, without the payload (for a device
// that takes headers and payload apart, l2::GsoParts): the same bytes as
// the first ones build() writes. The partial sum needs no payload byte.
// Returns the header's length, or 0 if `out` is too small.
std::size_t build_header_partial(base::MutBytes out, const Header& h, std::uint32_t src_ip,
                                 std::uint32_t dst_ip, std::size_t payload_len);

// "SYN,ACK" style flag names.
std::string flags_to_string(std::uint8_t flags);

}  // namespace tcp
