// The ladder diagram (--diagram) is a pure function of the recorded rows:
// checked character for character.
#include <doctest/doctest.h>

#include <string>

#include "trace/ladder.hpp"
#include "tcp/segment.hpp"

using namespace trace;
using namespace tcp;

namespace {

LadderArrow arrow(int ms, bool out, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                  std::uint32_t len = 0, bool lost = false) {
    return {.at = Time{ms * 1000}, .outgoing = out, .flags = flags, .seq = seq, .ack = ack,
            .len = len, .lost = lost};
}
LadderNote note(int ms, std::string text) { return {.at = Time{ms * 1000}, .text = std::move(text)}; }

}  // namespace

TEST_CASE("ladder: handshake, a lost segment and its retransmission, a lost ACK") {
    Ladder l{.local = "10.0.0.1:40000", .remote = "10.0.0.2:80"};
    l.rows = {
        arrow(0, true, flag::SYN, 0, 0),
        arrow(10, false, flag::SYN | flag::ACK, 0, 1),
        note(10, "SYN-SENT -> ESTABLISHED"),
        arrow(10, true, flag::ACK, 1, 1),
        arrow(15, true, flag::PSH | flag::ACK, 1, 1, 5, /*lost=*/true),
        note(215, "RTO fired, backoff to 400 ms (retry 1)"),
        arrow(215, true, flag::PSH | flag::ACK, 1, 1, 5),
        arrow(220, false, flag::ACK, 1, 6, 0, /*lost=*/true),
    };
    const std::string expected =
        "             10.0.0.1:40000                      10.0.0.2:80\n"
        "   0.000000  |---------------- SYN seq=0 ----------------->|\n"
        "   0.010000  |<----------- SYN,ACK seq=0 ack=1 ------------|\n"
        "   0.010000  |  SYN-SENT -> ESTABLISHED                    |\n"
        "   0.010000  |------------- ACK seq=1 ack=1 -------------->|\n"
        "   0.015000  |--- PSH,ACK seq=1 ack=1 len=5 ---x           |\n"
        "   0.215000  |  RTO fired, backoff to 400 ms (retry 1)     |\n"
        "   0.215000  |-------- PSH,ACK seq=1 ack=1 len=5 --------->|\n"
        "   0.220000  |           x-------- ACK seq=1 ack=6 --------|\n";
    CHECK(render_ladder(l) == expected);
}

TEST_CASE("ladder: the words on an arrow") {
    CHECK(arrow_label(arrow(0, true, flag::SYN, 0, 0)) == "SYN seq=0");
    // The ack number only when ACK is set; the length only when not zero.
    CHECK(arrow_label(arrow(0, true, flag::RST, 6, 99)) == "RST seq=6");
    CHECK(arrow_label(arrow(0, false, flag::FIN | flag::ACK, 7, 12, 3)) == "FIN,ACK seq=7 ack=12 len=3");
}

TEST_CASE("ladder: widens for a long note, and says how many rows it left out") {
    Ladder l{.local = "10.0.0.1:40000", .remote = "10.0.0.2:80"};
    l.rows = {note(0, std::string(60, 'n'))};
    l.omitted = 7;
    // 64 columns between the lanes: the note, two spaces before and after.
    const std::string expected =
        "             10.0.0.1:40000" + std::string(41, ' ') + "10.0.0.2:80\n" +
        "   0.000000  |  " + std::string(60, 'n') + "  |\n" +
        "             |  ... 7 more rows not drawn" + std::string(37, ' ') + "|\n";
    CHECK(render_ladder(l) == expected);
}

TEST_CASE("ladder: headings longer than the lanes push them apart") {
    Ladder l{.local = std::string(30, 'L'), .remote = std::string(30, 'R')};
    l.rows = {arrow(0, true, flag::ACK, 1, 1)};
    const std::string out = render_ladder(l);
    const std::string heading = out.substr(0, out.find('\n'));
    const std::string row = out.substr(out.find('\n') + 1);
    CHECK(heading == std::string(13, ' ') + std::string(30, 'L') + ' ' + std::string(30, 'R'));
    // The right lane ends under the last letter of the peer's heading.
    CHECK(row.size() - 1 == heading.size());
}
