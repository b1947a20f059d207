// The sender's record of what it has transmitted and when, for RACK-TLP
// (RFC 8985): one entry per data segment in flight, with its last
// transmission time and whether it is SACKed, lost or retransmitted.
//
// A ring allocated at the first data segment sent (none for a half-open
// connection), 16 entries first, doubled while more are in flight up to a
// bound, and freed when nothing is in flight and the connection is idle:
// an idle connection holds none, a steady transfer allocates none.
// If more segments are in flight than the ring holds, the newest entry
// absorbs the extra bytes: loss is then marked at a coarser grain, never
// missed.
#pragma once
#include <cstdint>
#include <memory>

#include "tcp/seq.hpp"
#include "tcp/types.hpp"

namespace tcp {

struct TxSegment {
    Seq start = 0, end = 0;   // [start, end)
    Time xmit{0};             // last (re)transmission
    bool retransmitted = false;
    bool sacked = false;      // delivered, per the SACK scoreboard
    bool lost = false;        // deemed lost and not yet sent again
};

class TxLog {
public:
    explicit TxLog(std::size_t capacity) : cap_(capacity) {}

    std::size_t size() const { return n_; }
    bool empty() const { return n_ == 0; }
    TxSegment& operator[](std::size_t i) { return ring_[(head_ + i) % alloc_]; }
    const TxSegment& operator[](std::size_t i) const { return ring_[(head_ + i) % alloc_]; }

    // A transmission of [start, end) at `now`: new data is appended; bytes
    // already in the log are marked as sent again.
    void on_send(Seq start, Seq end, Time now);
    // SND.UNA moved to `una`: entries below it leave the log. `f` is called
    // for each entry that leaves (for RACK's "most recently delivered").
    template <class F>
    void on_cumulative_ack(Seq una, F&& f) {
        while (n_ && seq_le((*this)[0].end, una)) {
            f((*this)[0]);
            head_ = (head_ + 1) % alloc_;
            --n_;
        }
        if (n_ && seq_lt((*this)[0].start, una)) (*this)[0].start = una;
    }
    void clear() { n_ = 0; }
    // Nothing in flight: give the ring back (it is made again when needed).
    void release_if_empty() {
        if (n_ != 0) return;
        ring_.reset();
        alloc_ = head_ = 0;
    }
    std::size_t bytes() const { return alloc_ * sizeof(TxSegment); }

private:
    static constexpr std::size_t kFirst = 16;
    void grow();

    std::unique_ptr<TxSegment[]> ring_;
    std::size_t cap_;
    std::size_t alloc_ = 0;  // entries in ring_, at most cap_
    std::size_t head_ = 0, n_ = 0;
};

}  // namespace tcp
