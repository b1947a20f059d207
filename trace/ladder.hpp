// A ladder (sequence) diagram of one connection, as textbooks draw them: the
// local side on the left, the peer on the right, time going down, one arrow
// per segment with its flags and relative numbers, and the connection's
// events as notes by the local side. A segment known to be lost (the fault
// injector dropped it) is an arrow that stops short, `--x`:
//
//                10.0.0.1:40000                         10.0.0.2:80
//      0.000000  |---------------- SYN seq=0 ---------------->|
//      0.010000  |<---------- SYN,ACK seq=0 ack=1 ------------|
//      0.010000  |  SYN-SENT -> ESTABLISHED                   |
//      0.010000  |------------- ACK seq=1 ack=1 ------------->|
//      0.010000  |------- PSH,ACK seq=1 ack=1 len=5 --x       |
//
// A pure function of the recorded rows: trace/trace.hpp records them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "tcp/types.hpp"

namespace trace {

struct LadderArrow {
    tcp::Time at{0};
    bool outgoing = true;       // local -> peer
    std::uint8_t flags = 0;     // tcp::flag bits
    std::uint32_t seq = 0;      // relative to the sender's ISN
    std::uint32_t ack = 0;      // relative to the receiver's ISN; shown when ACK is set
    std::uint32_t len = 0;      // payload bytes; shown when not 0
    bool lost = false;          // never reached the other side
};

struct LadderNote {
    tcp::Time at{0};
    std::string text;           // "RTO fired, backoff to 400 ms (retry 1)"
};

using LadderRow = std::variant<LadderArrow, LadderNote>;

struct Ladder {
    std::string local, remote;  // "10.0.0.1:40000", the column headings
    std::vector<LadderRow> rows;
    std::size_t omitted = 0;    // rows left out to bound the diagram
};

// "PSH,ACK seq=1 ack=1 len=5": the words on an arrow.
std::string arrow_label(const LadderArrow& a);

// The diagram, one '\n'-terminated line per row plus the heading. It is as
// wide as its longest label or note needs (at least 44 columns between the
// two sides).
std::string render_ladder(const Ladder& ladder);

}  // namespace trace
