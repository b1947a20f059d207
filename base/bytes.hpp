// Byte-order helpers: every multi-byte field on the wire is read and written
// through these, never through a pointer cast onto a packed struct (docs/design.md,
// rule 1). Network byte order is big-endian (RFC 791, Appendix B).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace base {

using Bytes = std::span<const std::uint8_t>;
using MutBytes = std::span<std::uint8_t>;

// Bytes in place in a ring buffer, which may wrap around its end: `first`,
// then `second` (empty unless they wrapped). A view into memory someone else
// owns, valid only as long as its owner says.
template <class T>
struct SplitSpan {
    std::span<T> first;
    std::span<T> second;
    std::size_t size() const { return first.size() + second.size(); }
    bool empty() const { return size() == 0; }
};
using SplitBytes = SplitSpan<const std::uint8_t>;
using SplitMutBytes = SplitSpan<std::uint8_t>;

// Copies as much of `from` as fits into `to`, in order; returns how much.
inline std::size_t copy_split(SplitBytes from, SplitMutBytes to) {
    const Bytes src[2] = {from.first, from.second};
    const MutBytes dst[2] = {to.first, to.second};
    std::size_t si = 0, so = 0, di = 0, dof = 0, n = 0;
    while (si < 2 && di < 2) {
        const std::size_t left = src[si].size() - so, room = dst[di].size() - dof;
        const std::size_t k = left < room ? left : room;
        if (k > 0) std::memcpy(dst[di].data() + dof, src[si].data() + so, k);
        n += k;
        so += k;
        dof += k;
        if (so == src[si].size()) si++, so = 0;
        if (dof == dst[di].size()) di++, dof = 0;
    }
    return n;
}

inline std::uint16_t get_u16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t get_u32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
           (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
inline void put_u16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void put_u32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace base
