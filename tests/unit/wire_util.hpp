// Helpers shared by the wire-format tests.
#pragma once
#include <cstdint>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

#include "base/parse.hpp"
#include "ip/checksum.hpp"

namespace base {
// So doctest prints "bad checksum" instead of "{?}" when a CHECK fails.
inline std::ostream& operator<<(std::ostream& os, ParseError e) { return os << to_string(e); }
}  // namespace base

namespace wire_test {

constexpr std::size_t kEth = 14;  // Ethernet header in the captured frames
constexpr std::size_t kIp = 20;   // IPv4 header without options

using Buf = std::vector<std::uint8_t>;

// A read-only view of a captured array from `from` on (static storage, so
// parsed views into it stay valid).
template <std::size_t N>
std::span<const std::uint8_t> view(const std::uint8_t (&a)[N], std::size_t from = 0) {
    return std::span<const std::uint8_t>(a, N).subspan(from);
}

// A mutable copy of a captured array, or of part of it.
template <std::size_t N>
Buf copy(const std::uint8_t (&a)[N], std::size_t from = 0) {
    return Buf(a + from, a + N);
}

inline std::span<const std::uint8_t> bytes(const Buf& b) { return b; }

inline std::string_view text(std::span<const std::uint8_t> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Recomputes the 16-bit checksum stored at `at` in `region` over the whole
// region (RFC 1071): for tests that corrupt a field on purpose and want only
// that rule to fire.
inline void fix_checksum(std::span<std::uint8_t> region, std::size_t at) {
    region[at] = region[at + 1] = 0;
    const std::uint16_t c = ip::checksum(region);
    region[at] = static_cast<std::uint8_t>(c >> 8);
    region[at + 1] = static_cast<std::uint8_t>(c);
}

}  // namespace wire_test
