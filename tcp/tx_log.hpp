// The sender's record of what it has transmitted and when, for RACK-TLP
// (RFC 8985): one entry per data segment in flight, with its last
// transmission time and whether it is SACKed, lost or retransmitted.
//
// A fixed ring allocated at the first data segment sent (none for a
// half-open connection, none per segment).
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
    TxSegment& operator[](std::size_t i) { return ring_[(head_ + i) % cap_]; }
    const TxSegment& operator[](std::size_t i) const { return ring_[(head_ + i) % cap_]; }

    // A transmission of [start, end) at `now`: new data is appended; bytes
    // already in the log are marked as sent again.
    void on_send(Seq start, Seq end, Time now);
    // SND.UNA moved to `una`: entries below it leave the log. `f` is called
    // for each entry that leaves (for RACK's "most recently delivered").
    template <class F>
    void on_cumulative_ack(Seq una, F&& f) {
        while (n_ && seq_le((*this)[0].end, una)) {
            f((*this)[0]);
            head_ = (head_ + 1) % cap_;
            --n_;
        }
        if (n_ && seq_lt((*this)[0].start, una)) (*this)[0].start = una;
    }
    void clear() { n_ = 0; }

private:
    std::unique_ptr<TxSegment[]> ring_;
    std::size_t cap_;
    std::size_t head_ = 0, n_ = 0;
};

}  // namespace tcp
