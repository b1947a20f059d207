#include "tcp/tx_log.hpp"

#include <algorithm>

namespace tcp {

void TxLog::on_send(Seq start, Seq end, Time now) {
    if (!seq_lt(start, end)) return;
    const bool beyond = n_ == 0 || seq_ge(start, (*this)[n_ - 1].end);
    // Bytes already logged: a retransmission (RFC 8985 6.1: update xmit_ts).
    for (std::size_t i = 0; !beyond && i < n_; ++i) {
        TxSegment& s = (*this)[i];
        if (seq_le(s.end, start) || seq_ge(s.start, end)) continue;
        s.xmit = now;
        s.retransmitted = true;
        s.lost = false;
    }
    const Seq logged_end = n_ ? (*this)[n_ - 1].end : start;
    if (n_ && !seq_gt(end, logged_end)) return;
    // New data beyond what is logged.
    const Seq from = n_ ? seq_max(start, logged_end) : start;
    if (n_ == alloc_ && alloc_ < cap_) grow();
    if (n_ == alloc_) {  // full: the newest entry grows instead
        TxSegment& last = (*this)[n_ - 1];
        last.end = end;
        last.xmit = now;
        return;
    }
    ring_[(head_ + n_) % alloc_] = TxSegment{from, end, now, false, false, false};
    ++n_;
}

void TxLog::grow() {
    const std::size_t bigger = std::min(cap_, alloc_ ? alloc_ * 2 : std::min(cap_, kFirst));
    auto next = std::make_unique<TxSegment[]>(bigger);
    for (std::size_t i = 0; i < n_; ++i) next[i] = (*this)[i];
    ring_ = std::move(next);
    alloc_ = bigger;
    head_ = 0;
}

}  // namespace tcp
