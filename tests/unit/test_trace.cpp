// The --trace formatter on hand-made segments: Wireshark's relative numbers
// (mid-stream, across 2^32, SACK edges), window scaling only when both sides
// offered it (RFC 7323 2.2), the event sentences, and the bounded state.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "trace/trace.hpp"

using namespace trace;
using namespace tcp;

namespace {

constexpr std::uint32_t kLocal = 0x0a000001, kRemote = 0x0a000002;  // 10.0.0.1, 10.0.0.2
const Tuple kTuple{kLocal, 40000, kRemote, 80};

struct Fixture {
    std::ostringstream text;
    Tracer tracer;
    explicit Fixture(TraceOptions o = {}) : tracer(text, o) {}

    // A segment from the local side (Out) or from the peer (In).
    void seg(Dir d, Seq seq, Seq ack, std::uint8_t flags, std::size_t len = 0,
             Options opts = {}, std::uint16_t window = 1000) {
        Header h;
        h.src_port = d == Dir::Out ? 40000 : 80;
        h.dst_port = d == Dir::Out ? 80 : 40000;
        h.seq = seq;
        h.ack = ack;
        h.flags = flags;
        h.window = window;
        h.options = opts;
        tracer.segment({.dir = d, .at = Time{0}, .src_ip = d == Dir::Out ? kLocal : kRemote,
                        .dst_ip = d == Dir::Out ? kRemote : kLocal, .header = h,
                        .payload_len = len});
    }
    std::string last_line() const {
        const std::string s = text.str();
        const std::size_t end = s.rfind('\n');
        const std::size_t start = s.rfind('\n', end - 1);
        return s.substr(start == std::string::npos ? 0 : start + 1, end - (start + 1));
    }
};

}  // namespace

TEST_CASE("trace: the line's columns") {
    Fixture f;
    f.seg(Dir::Out, 1000, 0, flag::SYN);
    CHECK(f.last_line() ==
          "   0.000000  10.0.0.1:40000        --> 10.0.0.2:80           "
          "[SYN] Seq=0 (ISN 1000) Win=1000 Len=0");
    f.seg(Dir::In, 5000, 1001, flag::SYN | flag::ACK);
    CHECK(f.last_line() ==
          "   0.000000  10.0.0.1:40000        <-- 10.0.0.2:80           "
          "[SYN,ACK] Seq=0 (ISN 5000) Ack=1 Win=1000 Len=0");
}

TEST_CASE("trace: joined mid-stream, the first byte seen is 1, as in Wireshark") {
    Fixture f;
    f.seg(Dir::In, 777777, 123456, flag::ACK | flag::PSH, 100);
    CHECK(f.last_line().find("[PSH,ACK] Seq=1 Ack=1 Win=1000 Len=100") != std::string::npos);
    f.seg(Dir::Out, 123456, 777877, flag::ACK);
    CHECK(f.last_line().find("[ACK] Seq=1 Ack=101 ") != std::string::npos);
    f.seg(Dir::In, 777877, 123456, flag::ACK, 50);
    CHECK(f.last_line().find("Seq=101 Ack=1 ") != std::string::npos);
}

TEST_CASE("trace: relative numbers across 2^32 (wrap-around)") {
    Fixture f;
    f.seg(Dir::Out, 0xfffffff0u, 0, flag::SYN);
    f.seg(Dir::In, 5000, 0xfffffff1u, flag::SYN | flag::ACK);
    f.seg(Dir::Out, 0xfffffff1u, 5001, flag::ACK, 100);
    CHECK(f.last_line().find("[ACK] Seq=1 Ack=1 Win=1000 Len=100") != std::string::npos);
    f.seg(Dir::Out, 0x55u, 5001, flag::ACK, 100);  // 0xfffffff1 + 100, wrapped
    CHECK(f.last_line().find("[ACK] Seq=101 Ack=1 ") != std::string::npos);
    CHECK(f.last_line().find("Retransmission") == std::string::npos);
    f.seg(Dir::In, 5001, 0xb9u, flag::ACK);
    CHECK(f.last_line().find("Seq=1 Ack=201 ") != std::string::npos);
    // The first segment again: it covers sent sequence space.
    f.seg(Dir::Out, 0xfffffff1u, 5001, flag::ACK, 100);
    CHECK(f.last_line().find("[TCP Retransmission] [ACK] Seq=1 ") != std::string::npos);
}

TEST_CASE("trace: SACK edges are relative to the ISN of the side they acknowledge") {
    Fixture f;
    f.seg(Dir::Out, 1000, 0, flag::SYN);
    f.seg(Dir::In, 5000, 1001, flag::SYN | flag::ACK);
    Options o;
    o.sack_count = 1;
    o.sack[0] = {.left = 1000 + 1449, .right = 1000 + 2897};
    f.seg(Dir::In, 5001, 1001, flag::ACK, 0, o);
    CHECK(f.last_line().find("Ack=1 Win=1000 Len=0 SLE=1449 SRE=2897") != std::string::npos);
}

TEST_CASE("trace: the window is scaled only after both SYNs offered scaling (RFC 7323 2.2)") {
    Options ws;
    ws.wscale = 7;
    SUBCASE("both offered: the SYN's window as sent, later ones scaled") {
        Fixture f;
        f.seg(Dir::Out, 1000, 0, flag::SYN, 0, ws, 65535);
        CHECK(f.last_line().find("Win=65535 Len=0 WS=128") != std::string::npos);
        f.seg(Dir::In, 5000, 1001, flag::SYN | flag::ACK, 0, ws, 65535);
        f.seg(Dir::Out, 1001, 5001, flag::ACK, 0, {}, 502);
        CHECK(f.last_line().find("Win=64256 (502x128) Len=0") != std::string::npos);
        f.seg(Dir::In, 5001, 1001, flag::ACK, 0, {}, 0);
        CHECK(f.last_line().find("Win=0 Len=0") != std::string::npos);
    }
    SUBCASE("only one side offered: no scaling either way") {
        Fixture f;
        f.seg(Dir::Out, 1000, 0, flag::SYN, 0, ws);
        f.seg(Dir::In, 5000, 1001, flag::SYN | flag::ACK);
        f.seg(Dir::Out, 1001, 5001, flag::ACK, 0, {}, 502);
        CHECK(f.last_line().find("Win=502 Len=0") != std::string::npos);
    }
}

TEST_CASE("trace: a reset for an unknown SYN numbers like Wireshark's (Seq=1 Ack=1)") {
    Fixture f;
    f.seg(Dir::In, 9000, 0, flag::SYN);
    f.seg(Dir::Out, 0, 9001, flag::RST | flag::ACK);
    CHECK(f.last_line().find("[RST,ACK] Seq=1 Ack=1 ") != std::string::npos);
}

TEST_CASE("trace: the sentence for each event") {
    using K = TraceEvent::Kind;
    auto say = [](TraceEvent e, std::optional<CongestionSeen> before = {}) {
        return event_text(e, before);
    };
    CHECK(say({.kind = K::StateChange, .from = State::SynSent, .to = State::Established}) ==
          "SYN-SENT -> ESTABLISHED");
    CHECK(say({.kind = K::RtoFired, .value = 400, .count = 1}) ==
          "RTO fired, backoff to 400 ms (retry 1)");
    CHECK(say({.kind = K::FastRetransmit, .seq = 14481}) == "fast retransmit of seq 14481");
    CHECK(say({.kind = K::DupAck, .seq = 14481, .count = 2}) == "dup ACK #2 for seq 14481");
    CHECK(say({.kind = K::Recovery}) == "fast recovery done (full ACK)");
    CHECK(say({.kind = K::ZeroWindow, .value = 200}) == "zero window: persist timer 200 ms");
    CHECK(say({.kind = K::WindowProbe, .seq = 1001}) == "window probe at seq 1001");
    CHECK(say({.kind = K::DelayedAck}) == "delayed ACK timer fired");
    CHECK(say({.kind = K::TimeWaitExpired}) == "TIME-WAIT expired after 2*MSL");
    CHECK(say({.kind = K::ChallengeAck}) == "challenge ACK (RFC 5961)");
    // Congestion: the first report, then what changed.
    CHECK(say({.kind = K::Congestion, .value = 14480, .value2 = 1u << 30}) ==
          "cwnd 14480, ssthresh max");
    CHECK(say({.kind = K::Congestion, .value = 28960, .value2 = 1u << 30},
              CongestionSeen{14480, 1u << 30}) == "cwnd 14480 -> 28960");
    CHECK(say({.kind = K::Congestion, .value = 14480, .value2 = 14480},
              CongestionSeen{28960, 1u << 30}) == "cwnd 28960 -> 14480, ssthresh max -> 14480");
}

TEST_CASE("trace: congestion lines remember the connection's previous cwnd") {
    Fixture f;
    using K = TraceEvent::Kind;
    f.tracer.on_event(kTuple, {.kind = K::Congestion, .value = 14480, .value2 = 1u << 30}, Time{0});
    f.tracer.on_event(kTuple, {.kind = K::Congestion, .value = 28960, .value2 = 1u << 30}, Time{0});
    CHECK(f.last_line() ==
          "   0.000000  10.0.0.1:40000         *  10.0.0.2:80           cwnd 14480 -> 28960");
}

TEST_CASE("trace: state for at most max_connections; the oldest is drawn and dropped") {
    Fixture f(TraceOptions{.diagram = true, .max_connections = 2});
    auto syn_from = [&](std::uint16_t port) {
        Header h;
        h.src_port = port;
        h.dst_port = 80;
        h.seq = 1;
        h.flags = flag::SYN;
        f.tracer.segment({.dir = Dir::Out, .at = Time{0}, .src_ip = kLocal, .dst_ip = kRemote,
                          .header = h});
    };
    syn_from(1);
    syn_from(2);
    CHECK(f.text.str().find("10.0.0.1:1  ") == f.text.str().rfind("10.0.0.1:1  "));  // no diagram yet
    syn_from(3);  // evicts port 1, the least recently seen
    const std::string after = f.text.str();
    const std::size_t diagram = after.find("\n             10.0.0.1:1 ");
    CHECK(diagram != std::string::npos);
    f.tracer.finish();  // ports 2 and 3, in the order they were first seen
    const std::string all = f.text.str();
    const std::size_t two = all.find("\n             10.0.0.1:2 "), three = all.find("\n             10.0.0.1:3 ");
    CHECK(two != std::string::npos);
    CHECK(three != std::string::npos);
    CHECK(diagram < two);
    CHECK(two < three);
}

TEST_CASE("trace: lost segments and remarks are marked on the line") {
    std::ostringstream text;
    Tracer t(text);
    Header h;
    h.src_port = 40000;
    h.dst_port = 80;
    h.seq = 7;
    h.flags = flag::SYN;
    t.segment({.dir = Dir::Out, .at = Time{0}, .src_ip = kLocal, .dst_ip = kRemote, .header = h,
               .lost = true, .remark = "cksum offloaded"});
    CHECK(text.str().find("Len=0  LOST (fault injector)  cksum offloaded\n") != std::string::npos);
}
