// A small bounded set of disjoint sequence ranges [left, right), kept sorted
// and merged. The receiver uses one for out-of-order data held ahead of
// RCV.NXT (and to build SACK blocks, RFC 2018 4); the sender uses one as its
// SACK scoreboard (RFC 6675 3). All ranges lie within one window of each
// other, so mod-2^32 comparisons (seq.hpp) order them.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "tcp/segment.hpp"
#include "tcp/seq.hpp"

namespace tcp {

class SeqRanges {
public:
    static constexpr std::size_t kMax = 32;  // more holes than this: drop the newcomer

    struct Range {
        Seq left = 0, right = 0;
        std::uint64_t stamp = 0;  // when last extended, for SACK block order
    };

    // Adds [l, r), merging with neighbours. False if it would need more than
    // kMax ranges (the caller drops the segment; memory stays bounded).
    bool add(Seq l, Seq r);
    // Forgets everything below `seq` (cumulatively acknowledged / delivered).
    void remove_below(Seq seq);
    void clear() { n_ = 0; }

    bool empty() const { return n_ == 0; }
    std::size_t count() const { return n_; }
    const Range& operator[](std::size_t i) const { return r_[i]; }

    // The range that starts exactly at `seq`, removed and returned (the
    // receiver pulls held data in once RCV.NXT reaches it).
    bool take_starting_at(Seq seq, Seq& right);
    // End of the range containing `seq`, or `seq` itself if none does.
    Seq covered_until(Seq seq) const;
    // Total bytes covered, and bytes covered at or above `seq`.
    std::uint32_t bytes() const;
    std::uint32_t bytes_above(Seq seq) const;

    // Up to `max` blocks, most recently changed first (RFC 2018 4).
    std::size_t sack_blocks(SackBlock* out, std::size_t max) const;

private:
    std::array<Range, kMax> r_{};
    std::size_t n_ = 0;
    std::uint64_t clock_ = 0;
};

}  // namespace tcp
