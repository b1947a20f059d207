// Super-segments (TSO) in the engine: on a path whose device cuts segments
// into MSS-sized pieces (Config::max_send_packet), one segment carries a
// whole number of MSS, sized as Linux's tcp_xmit_size_goal, and every rule
// of the segment-at-a-time sender still holds: Nagle (RFC 9293 3.7.4),
// sender SWS avoidance (3.8.6.2.1), cwnd (RFC 5681 3.1), PSH on the last
// piece only, retransmissions of one MSS (RFC 6298 5.4, RFC 6675, RFC 8985).
#include <string>

#include "harness.hpp"

using namespace sim;
using namespace tcp;

namespace {

Config tso_config() {
    Config c;
    c.max_send_packet = 65535;
    return c;
}

std::string bytes(std::size_t n) { return std::string(n, 'x'); }

std::size_t send(Scripted& s, std::size_t n) {
    const std::string d = bytes(n);
    return s.conn->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(d.data()), d.size()), s.now);
}

}  // namespace

TEST_CASE("TSO: RFC 9293 3.7.4 Nagle holds the partial last piece; nodelay sends it in the super-segment with PSH") {
    Scripted s = established(tso_config());  // MSS 1460, window 65535, IW 10 MSS
    send(s, 10000);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].payload.size() == 6 * 1460);  // whole pieces; 1240 bytes wait for the ACK
    CHECK(w[0].gso_size == 1460);
    CHECK_FALSE(w[0].h.has(flag::PSH));
    s.deliver({.seq = 5001, .ack = 1001 + 6 * 1460, .flags = flag::ACK});
    w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].payload.size() == 1240);
    CHECK(w[0].gso_size == 0);
    CHECK(w[0].h.has(flag::PSH));

    Config nd = tso_config();
    nd.nodelay = true;
    Scripted t = established(nd);
    send(t, 10000);
    w = t.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].payload.size() == 10000);
    CHECK(w[0].gso_size == 1460);
    CHECK(w[0].h.has(flag::PSH));  // the device keeps it on the last piece only
}

TEST_CASE("TSO: RFC 5681 3.1 a super-segment never takes more than cwnd") {
    Scripted s = established(tso_config());
    send(s, 100000);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].payload.size() == s.conn->cwnd());  // the initial window, 10 MSS
    CHECK(w[0].gso_size == 1460);
}

TEST_CASE("TSO: RFC 9293 3.8.6.2.1 at most half the peer's largest window a segment; the rest waits as SWS avoidance says") {
    Scripted s = established(tso_config(), 8000);
    send(s, 20000);
    auto w = s.take();
    // 4000 is half of 8000: two pieces a segment. Then 2160 bytes of room
    // take one whole MSS; the 700 left are less than an MSS and than half
    // the window, so they wait.
    REQUIRE(w.size() == 3);
    CHECK(w[0].payload.size() == 2 * 1460);
    CHECK(w[1].payload.size() == 2 * 1460);
    CHECK(w[2].payload.size() == 1460);
    CHECK(w[2].gso_size == 0);
}

TEST_CASE("TSO: without max_send_packet every segment is one MSS") {
    Scripted s = established();
    send(s, 10000);
    for (const auto& x : s.take()) {
        CHECK(x.payload.size() <= 1460);
        CHECK(x.gso_size == 0);
    }
}

TEST_CASE("TSO: RFC 6298 5.4 the retransmission after an RTO is one MSS") {
    Scripted s = established(tso_config());
    send(s, 14600);
    REQUIRE(s.take().size() == 1);
    s.advance(1500ms);
    auto w = s.take();
    REQUIRE(!w.empty());
    CHECK(w[0].h.seq == 1001);
    CHECK(w[0].payload.size() == 1460);
    CHECK(w[0].gso_size == 0);
}

TEST_CASE("TSO: RFC 6675 SACK of every piece but the first resends the first piece alone") {
    Scripted s(tso_config());
    s.connect(1000);
    SegSpec synack{.seq = 5000, .ack = 1001, .flags = flag::SYN | flag::ACK, .window = 65535};
    synack.options.mss = 1460;
    synack.options.sack_permitted = true;
    s.deliver(synack);
    s.take();
    send(s, 14600);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    REQUIRE(w[0].gso_size == 1460);
    // The peer has pieces 2..10: the first is lost (RFC 6675 IsLost).
    SegSpec ack{.seq = 5001, .ack = 1001, .flags = flag::ACK};
    ack.options.sack_count = 1;
    ack.options.sack[0] = SackBlock{1001 + 1460, 1001 + 14600};
    s.deliver(ack);
    w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.seq == 1001);
    CHECK(w[0].payload.size() == 1460);
    CHECK(w[0].gso_size == 0);
    CHECK(s.conn->stats().tso_segs_out == 1);
    CHECK(s.conn->stats().segs_out >= 10);  // a super-segment counts its pieces
}
