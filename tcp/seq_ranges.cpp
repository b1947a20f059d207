#include "tcp/seq_ranges.hpp"

#include <algorithm>

namespace tcp {

bool SeqRanges::add(Seq l, Seq r) {
    if (!seq_lt(l, r)) return true;
    // First range whose right edge reaches l (it may touch or overlap).
    std::size_t i = 0;
    while (i < n_ && seq_lt(r_[i].right, l)) ++i;
    // Ranges i..j-1 touch or overlap [l, r) and merge into it.
    std::size_t j = i;
    while (j < n_ && seq_le(r_[j].left, r)) {
        l = seq_min(l, r_[j].left);
        r = seq_max(r, r_[j].right);
        ++j;
    }
    const std::size_t merged = j - i;
    if (merged == 0 && n_ == kMax) return false;
    // Replace ranges [i, j) by one.
    if (merged == 0) {
        std::move_backward(r_.begin() + i, r_.begin() + n_, r_.begin() + n_ + 1);
        ++n_;
    } else if (merged > 1) {
        std::move(r_.begin() + j, r_.begin() + n_, r_.begin() + i + 1);
        n_ -= merged - 1;
    }
    r_[i] = Range{l, r, ++clock_};
    return true;
}

void SeqRanges::remove_below(Seq seq) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < n_; ++i) {
        if (seq_le(r_[i].right, seq)) continue;
        Range x = r_[i];
        if (seq_lt(x.left, seq)) x.left = seq;
        r_[k++] = x;
    }
    n_ = k;
}

bool SeqRanges::take_starting_at(Seq seq, Seq& right) {
    if (n_ == 0 || seq_gt(r_[0].left, seq)) return false;
    // Ranges are disjoint and sorted; the first one is the only candidate.
    right = r_[0].right;
    std::move(r_.begin() + 1, r_.begin() + n_, r_.begin());
    --n_;
    return true;
}

Seq SeqRanges::covered_until(Seq seq) const {
    for (std::size_t i = 0; i < n_; ++i)
        if (seq_in(seq, r_[i].left, r_[i].right)) return r_[i].right;
    return seq;
}

std::uint32_t SeqRanges::bytes() const {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i < n_; ++i) s += r_[i].right - r_[i].left;
    return s;
}

std::uint32_t SeqRanges::bytes_above(Seq seq) const {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i < n_; ++i) {
        if (seq_le(r_[i].right, seq)) continue;
        s += r_[i].right - seq_max(r_[i].left, seq);
    }
    return s;
}

std::size_t SeqRanges::sack_blocks(SackBlock* out, std::size_t max) const {
    std::array<const Range*, kMax> by_recency{};
    for (std::size_t i = 0; i < n_; ++i) by_recency[i] = &r_[i];
    std::sort(by_recency.begin(), by_recency.begin() + n_,
              [](const Range* a, const Range* b) { return a->stamp > b->stamp; });
    const std::size_t k = std::min(max, n_);
    for (std::size_t i = 0; i < k; ++i) out[i] = SackBlock{by_recency[i]->left, by_recency[i]->right};
    return k;
}

}  // namespace tcp
