// Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4).
//
// Sequence numbers wrap, so `a < b` on the raw integers is wrong near 2^32.
// Every comparison of sequence numbers in the stack goes through these
// helpers, which compare by the sign of the 32-bit difference: a is "before"
// b when b - a, taken mod 2^32, is in (0, 2^31).
#pragma once
#include <cstdint>

namespace tcp {

using Seq = std::uint32_t;

constexpr std::int32_t seq_diff(Seq a, Seq b) { return static_cast<std::int32_t>(a - b); }
constexpr bool seq_lt(Seq a, Seq b) { return seq_diff(a, b) < 0; }
constexpr bool seq_le(Seq a, Seq b) { return seq_diff(a, b) <= 0; }
constexpr bool seq_gt(Seq a, Seq b) { return seq_diff(a, b) > 0; }
constexpr bool seq_ge(Seq a, Seq b) { return seq_diff(a, b) >= 0; }
constexpr Seq seq_max(Seq a, Seq b) { return seq_lt(a, b) ? b : a; }
constexpr Seq seq_min(Seq a, Seq b) { return seq_lt(a, b) ? a : b; }

// lo <= s < hi, all mod 2^32 (the RFC's "lo =< s < hi" windows).
constexpr bool seq_in(Seq s, Seq lo, Seq hi) { return seq_le(lo, s) && seq_lt(s, hi); }
// lo < s <= hi, the ACK acceptability form of RFC 9293 3.10.7.4.
constexpr bool seq_in_left_open(Seq s, Seq lo, Seq hi) { return seq_lt(lo, s) && seq_le(s, hi); }

static_assert(seq_lt(0xffffff00u, 0x10u), "wrap-around must compare forward");
static_assert(seq_gt(0x10u, 0xffffff00u));
static_assert(seq_in(0, 0xfffffff0u, 0x10u));

}  // namespace tcp
