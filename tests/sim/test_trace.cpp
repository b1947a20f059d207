// The --trace output of real connections on the simulated link:
// each state change in order between the segments that cause it, relative
// numbers as Wireshark shows them, a lost segment followed by the RTO and the
// retransmission, and the ladder diagram drawn when the connection ends.
#include <sstream>
#include <string>
#include <vector>

#include "trace/trace.hpp"
#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// A Pair traced from A's side, as A's stack would trace it: what A sends
// (Out) and what reaches A (In), and A's connection events.
struct TracedPair {
    std::ostringstream text;
    trace::Tracer tracer;
    Pair p;

    explicit TracedPair(trace::TraceOptions opts = {}) : tracer(text, opts) {
        p.observer_a = &tracer;
        p.on_sent = [this](l2::Side from, const Wire& w, bool lost) {
            if (from == l2::Side::A)
                tracer.segment({.dir = trace::Dir::Out, .at = p.now, .src_ip = w.src,
                                .dst_ip = w.dst, .header = w.h, .payload_len = w.payload.size(),
                                .lost = lost});
        };
        p.on_received = [this](l2::Side to, const SegmentView& seg) {
            if (to == l2::Side::A)
                tracer.segment({.dir = trace::Dir::In, .at = p.now, .src_ip = kIpB,
                                .dst_ip = kIpA, .header = seg.header,
                                .payload_len = seg.payload.size()});
        };
    }

    std::vector<std::string> lines() const {
        std::vector<std::string> v;
        std::istringstream in(text.str());
        for (std::string l; std::getline(in, l);) v.push_back(l);
        return v;
    }
    // The index of the first line at or after `from` containing every part.
    std::size_t find(std::initializer_list<std::string_view> parts, std::size_t from = 0) const {
        const auto v = lines();
        for (std::size_t i = from; i < v.size(); ++i) {
            bool all = true;
            for (auto part : parts) all = all && v[i].find(part) != std::string::npos;
            if (all) return i;
        }
        return std::string::npos;
    }
    // Each group of parts matches a line, in this order.
    bool in_order(std::initializer_list<std::initializer_list<std::string_view>> groups) const {
        std::size_t at = 0;
        for (auto parts : groups) {
            const std::size_t i = find(parts, at);
            if (i == std::string::npos) {
                MESSAGE("not found in order: ", *parts.begin());
                return false;
            }
            at = i + 1;
        }
        return true;
    }

    // Open, A sends "hello", B echoes it, A closes, then B: A goes through
    // every state of an active close (RFC 9293 3.6 case 1).
    void echo_and_close() {
        REQUIRE(p.open());
        REQUIRE(p.transfer(bytes("hello"), {}, 5s));
        REQUIRE(p.transfer({}, bytes("hello"), 5s));
        p.a()->shutdown_send(p.now);
        REQUIRE(p.run_until([&] { return p.a()->state() == State::FinWait2; }, 5s));
        p.b()->close(p.now);
        REQUIRE(p.run_until([&] { return p.a()->state() == State::Closed; }, 10s));
    }
};

}  // namespace

TEST_CASE("trace: every state change of an echo exchange, in order, after its segment") {
    TracedPair t;
    t.echo_and_close();
    CAPTURE(t.text.str());
    CHECK(t.in_order({
        {"-->", "[SYN] Seq=0 (ISN 1000) Win=", "Len=0", "MSS=1460", "SACK_PERM", "WS="},
        {"<--", "[SYN,ACK] Seq=0 (ISN 5000) Ack=1 "},
        {" * ", "SYN-SENT -> ESTABLISHED"},
        {"-->", "[ACK] Seq=1 Ack=1 "},
        {"-->", "Seq=1 Ack=1 ", "Len=5"},  // the first data byte is Seq=1
        {"<--", "Seq=1 Ack=6 ", "Len=5"},
        {" * ", "ESTABLISHED -> FIN-WAIT-1"},
        {"-->", "[FIN,ACK] Seq=6 Ack=6 "},
        {"<--", "[ACK] Seq=6 Ack=7 "},
        {" * ", "FIN-WAIT-1 -> FIN-WAIT-2"},
        {"<--", "[FIN,ACK] Seq=6 Ack=7 "},
        {" * ", "FIN-WAIT-2 -> TIME-WAIT"},
        {"-->", "[ACK] Seq=7 Ack=7 "},
        {" * ", "TIME-WAIT expired after 2*MSL"},
        {" * ", "TIME-WAIT -> CLOSED"},
    }));
    // Every line has the local side on the left.
    for (const auto& l : t.lines()) CHECK(l.substr(13, 14) == "10.0.0.1:40000");
}

TEST_CASE("trace: a lost segment, the RTO that finds it, and its retransmission") {
    TracedPair t;
    REQUIRE(t.p.open());
    t.p.drop_next(l2::Side::A, {1});  // "hello" never reaches B
    REQUIRE(t.p.transfer(bytes("hello"), {}, 10s));
    t.p.run_until([] { return false; }, 1s);  // B's ACK comes back
    CAPTURE(t.text.str());
    CHECK(t.in_order({
        {"-->", "Seq=1 Ack=1 ", "Len=5", "LOST (fault injector)"},
        {" * ", "RTO fired, backoff to ", " ms (retry 1)"},
        {"-->", "[TCP Retransmission] ", "Seq=1 Ack=1 ", "Len=5"},
        {"<--", "[ACK] Seq=1 Ack=6 "},
    }));
    // Nothing before the loss is called a retransmission, and it is sent once.
    const std::size_t first = t.find({"[TCP Retransmission]"});
    CHECK(first > t.find({"LOST"}));
    CHECK(t.find({"[TCP Retransmission]"}, first + 1) == std::string::npos);
}

TEST_CASE("trace: windows are scaled after the handshake only (RFC 7323 2.2)") {
    TracedPair t;
    REQUIRE(t.p.open());
    const auto v = t.lines();
    const std::size_t syn = t.find({"[SYN]"}), ack = t.find({"-->", "[ACK] Seq=1 Ack=1"});
    REQUIRE(syn != std::string::npos);
    REQUIRE(ack != std::string::npos);
    CHECK(v[syn].find(" Win=65535 Len=0") != std::string::npos);  // as on the wire
    // "Win=262144 (2048x128)": the true window, then the field and 2^shift.
    CHECK(v[ack].find("x") != std::string::npos);
    CHECK(v[ack].find(" Win=") != std::string::npos);
}

TEST_CASE("trace: colour only when asked; no escape codes for a pipe") {
    TracedPair plain;
    REQUIRE(plain.p.open());
    CHECK(plain.text.str().find('\x1b') == std::string::npos);

    TracedPair coloured(trace::TraceOptions{.colour = true});
    REQUIRE(coloured.p.open());
    CHECK(coloured.text.str().find("\x1b[36m-->\x1b[0m") != std::string::npos);
    CHECK(coloured.text.str().find("\x1b[33mSYN-SENT -> ESTABLISHED\x1b[0m") != std::string::npos);
}

TEST_CASE("trace: the diagram is drawn when the connection ends, a lost segment stopping short") {
    TracedPair t(trace::TraceOptions{.diagram = true});
    REQUIRE(t.p.open());
    t.p.drop_next(l2::Side::A, {1});
    REQUIRE(t.p.transfer(bytes("hello"), {}, 10s));
    t.p.a()->abort(t.p.now);  // RST: CLOSED at once
    const std::string out = t.text.str();
    CAPTURE(out);
    const std::size_t heading = out.find("\n             10.0.0.1:40000        ");
    REQUIRE(heading != std::string::npos);
    CHECK(out.find("10.0.0.2:80\n", heading) != std::string::npos);
    CHECK(out.find("   0.000000  |------", heading) != std::string::npos);
    CHECK(out.find("- SYN seq=0 ---", heading) != std::string::npos);
    CHECK(out.find("|<------", heading) != std::string::npos);
    CHECK(out.find("- SYN,ACK seq=0 ack=1 ---", heading) != std::string::npos);
    CHECK(out.find("|  SYN-SENT -> ESTABLISHED ", heading) != std::string::npos);
    CHECK(out.find("- PSH,ACK seq=1 ack=1 len=5 ---x ", heading) != std::string::npos);
    CHECK(out.find("|  RTO fired, backoff to 400 ms (retry 1) ", heading) != std::string::npos);
    CHECK(out.find("- PSH,ACK seq=1 ack=1 len=5 ----", heading) != std::string::npos);
    CHECK(out.find("- RST seq=6 ---", heading) != std::string::npos);
    CHECK(out.find("|  ESTABLISHED -> CLOSED ", heading) != std::string::npos);
    // Drawn once, and the connection's state is gone: finish() adds nothing.
    const std::size_t len = out.size();
    t.tracer.finish();
    CHECK(t.text.str().size() == len);
}
