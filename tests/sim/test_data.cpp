// Data transfer rules: the sequence space (RFC 9293 3.4, 3.10.7.4), flow
// control (3.8.6), delayed ACKs (RFC 1122 4.2.3.2), Nagle (RFC 896), MSS
// (3.7.1), SACK (RFC 2018) and keepalive (RFC 1122 4.2.3.6).
#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

namespace {
std::string read_all(Connection& c, Time now) {
    std::string out;
    std::uint8_t buf[4096];
    while (std::size_t n = c.recv(buf, now)) out.append(buf, buf + n);
    return out;
}
}  // namespace

TEST_CASE("RFC 9293 3.10.7.4: out-of-order segments are held and reassembled") {
    Scripted s = established();
    s.deliver({.seq = 5006, .ack = 1001, .data = "world"});
    CHECK(s.conn->readable() == 0);
    auto w = s.take();
    REQUIRE(w.size() == 1);  // an immediate duplicate ACK (RFC 5681 4.2)
    CHECK(w[0].h.ack == 5001);
    s.deliver({.seq = 5001, .ack = 1001, .data = "hello"});
    CHECK(read_all(*s.conn, s.now) == "helloworld");
    w = s.take();
    REQUIRE(w.size() == 1);  // filling a hole is ACKed at once
    CHECK(w[0].h.ack == 5011);
}

TEST_CASE("RFC 9293 3.10.7.4: overlapping and duplicate segments are delivered once") {
    Scripted s = established();
    s.deliver({.seq = 5001, .ack = 1001, .data = "abcdef"});
    s.deliver({.seq = 5001, .ack = 1001, .data = "abcdef"});      // exact duplicate
    s.deliver({.seq = 5004, .ack = 1001, .data = "defghi"});      // overlaps the end
    s.deliver({.seq = 5010, .ack = 1001, .data = "jkl"});
    s.deliver({.seq = 5008, .ack = 1001, .data = "hijklmn"});     // overlaps both sides
    CHECK(read_all(*s.conn, s.now) == "abcdefghijklmn");
    CHECK(s.conn->stats().duplicate_in >= 1);
}

TEST_CASE("RFC 9293 3.10.7.4: data beyond the receive window is refused") {
    Config cfg;
    cfg.recv_buffer = 10;
    cfg.window_scale = false;
    Scripted s = established(cfg);
    s.deliver({.seq = 5001, .ack = 1001, .data = "0123456789ABCDEF"});
    CHECK(read_all(*s.conn, s.now) == "0123456789");  // trimmed to the window
    s.deliver({.seq = 5100, .ack = 1001, .data = "far"});
    CHECK(s.conn->readable() == 0);
}

TEST_CASE("RFC 2018 4: SACK blocks report held data, most recent first") {
    Scripted s(Config{});
    s.connect(1000);
    SegSpec synack{.seq = 5000, .ack = 1001, .flags = flag::SYN | flag::ACK};
    synack.options.sack_permitted = true;
    s.deliver(synack);
    s.take();
    s.deliver({.seq = 5011, .ack = 1001, .data = "22222"});
    s.deliver({.seq = 5021, .ack = 1001, .data = "44444"});
    auto w = s.take();
    REQUIRE(w.size() == 2);
    CHECK(w[1].h.ack == 5001);
    REQUIRE(w[1].h.options.sack_count == 2);
    CHECK(w[1].h.options.sack[0] == SackBlock{5021, 5026});
    CHECK(w[1].h.options.sack[1] == SackBlock{5011, 5016});
}

TEST_CASE("RFC 9293 3.7.1: never a segment larger than the peer's MSS") {
    Scripted s = established(Config{}, 65535, 500);
    std::string big(3000, 'x');
    s.conn->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(big.data()), big.size()), s.now);
    auto w = s.take();
    REQUIRE(!w.empty());
    for (auto& x : w) CHECK(x.payload.size() <= 500);
    // RFC 9293 3.7.1: no MSS option means 536.
    Scripted t = established(Config{}, 65535, std::nullopt);
    t.conn->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(big.data()), big.size()), t.now);
    w = t.take();
    REQUIRE(!w.empty());
    CHECK(w[0].payload.size() == 536);
}

TEST_CASE("RFC 9293 3.8.6.1: never send beyond the peer's window") {
    Scripted s = established(Config{}, 1000);
    std::string big(5000, 'y');
    s.conn->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(big.data()), big.size()), s.now);
    auto w = s.take();
    std::size_t total = 0;
    for (auto& x : w) total += x.payload.size();
    CHECK(total == 1000);
    // The peer acknowledges everything sent, with a 2000-byte window each
    // time: every byte stays inside it, and all 5000 get through.
    Seq acked = 2001;
    for (int round = 0; round < 20 && acked != 6001; ++round) {
        s.deliver({.seq = 5001, .ack = acked, .flags = flag::ACK, .window = 2000});
        const Seq edge = acked + 2000;
        for (auto& x : s.take()) {
            CHECK(seq_le(x.h.seq + static_cast<Seq>(x.payload.size()), edge));
            acked = seq_max(acked, x.h.seq + static_cast<Seq>(x.payload.size()));
        }
        s.advance(200ms);  // let an RTO or persist timer act if anything stalls
    }
    CHECK(acked == 6001);
}

TEST_CASE("RFC 9293 3.8.6.1: zero window probing with a persist timer and backoff") {
    Scripted s = established(Config{}, 100);
    std::string data(300, 'z');
    s.conn->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), s.now);
    s.take();
    s.deliver({.seq = 5001, .ack = 1101, .flags = flag::ACK, .window = 0});  // window shut
    CHECK(s.take().empty());
    std::vector<Time> probes;
    for (int i = 0; i < 4; ++i) {
        s.advance(*s.conn->next_deadline() - s.now);
        for (auto& w : s.take()) {
            CHECK(w.payload.size() == 1);
            probes.push_back(w.at);
        }
        s.deliver({.seq = 5001, .ack = 1101, .flags = flag::ACK, .window = 0});
    }
    REQUIRE(probes.size() == 4);
    // Each interval at least doubles (exponential backoff).
    CHECK(probes[2] - probes[1] >= 2 * (probes[1] - probes[0]) - 1ms);
    CHECK(s.conn->stats().zero_window_probes == 4);
    CHECK(s.conn->state() == State::Established);  // probing never gives up
    // The window opens: the rest flows.
    s.deliver({.seq = 5001, .ack = 1101, .flags = flag::ACK, .window = 1000});
    std::size_t total = 0;
    for (auto& w : s.take()) total += w.payload.size();
    CHECK(total == 200);
}

TEST_CASE("RFC 9293 3.8.6.2.2: the window reopens with an update when the application reads") {
    Config cfg;
    cfg.recv_buffer = 4000;
    cfg.window_scale = false;
    Scripted s = established(cfg);
    std::string d(1460, 'a');
    s.deliver({.seq = 5001, .ack = 1001, .data = d});
    s.deliver({.seq = 6461, .ack = 1001, .data = d});
    s.deliver({.seq = 7921, .ack = 1001, .data = std::string(1080, 'b')});
    s.advance(40ms);  // the delayed ACK for the last segment
    auto w = s.take();
    REQUIRE(!w.empty());
    CHECK(w.back().h.window == 0);  // the buffer is full
    std::uint8_t buf[100];
    s.conn->recv(buf, s.now);  // 100 bytes: less than an MSS, no update (SWS avoidance)
    CHECK(s.take().empty());
    std::uint8_t big[4000];
    s.conn->recv(big, s.now);
    w = s.take();
    REQUIRE(w.size() == 1);  // a window update
    CHECK(w[0].h.window == 4000);
}

TEST_CASE("RFC 1122 4.2.3.2: delayed ACK: every second full segment at once, else after a delay") {
    Scripted s = established();
    std::string d(1460, 'a');
    s.deliver({.seq = 5001, .ack = 1001, .data = d});
    CHECK(s.take().empty());  // delayed
    s.deliver({.seq = 6461, .ack = 1001, .data = d});
    auto w = s.take();
    REQUIRE(w.size() == 1);  // the second full-sized segment: at once
    CHECK(w[0].h.ack == 7921);
    s.deliver({.seq = 7921, .ack = 1001, .data = "x"});
    CHECK(s.take().empty());
    s.advance(39ms);
    CHECK(s.take().empty());
    s.advance(1ms);
    w = s.take();
    REQUIRE(w.size() == 1);  // after 40 ms
    CHECK(w[0].h.ack == 7922);
    CHECK(s.conn->stats().delayed_acks == 1);
}

TEST_CASE("RFC 896: Nagle holds small segments while data is unacknowledged; nodelay does not") {
    Scripted s = established();
    const std::uint8_t c = 'k';
    s.conn->send(base::Bytes(&c, 1), s.now);
    CHECK(s.take().size() == 1);  // nothing in flight: goes at once
    s.conn->send(base::Bytes(&c, 1), s.now);
    s.conn->send(base::Bytes(&c, 1), s.now);
    CHECK(s.take().empty());  // held
    s.deliver({.seq = 5001, .ack = 1002, .flags = flag::ACK});
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].payload.size() == 2);  // coalesced

    Config nd;
    nd.nodelay = true;
    Scripted t = established(nd);
    t.conn->send(base::Bytes(&c, 1), t.now);
    t.conn->send(base::Bytes(&c, 1), t.now);
    CHECK(t.take().size() == 2);
}

TEST_CASE("RFC 1122 4.2.3.6: keepalive probes an idle connection and gives up on silence") {
    Config cfg;
    cfg.keepalive = true;
    cfg.keepalive_idle = 10s;
    cfg.keepalive_interval = 1s;
    cfg.keepalive_probes = 3;
    Scripted s = established(cfg);
    s.advance(10s);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.seq == 1000);  // SND.NXT - 1, no data
    CHECK(w[0].payload.empty());
    s.deliver({.seq = 5001, .ack = 1001, .flags = flag::ACK});  // answered
    s.advance(9s);
    CHECK(s.take().empty());
    s.advance(1s + 3s);
    CHECK(s.take().size() == 3);
    s.advance(1s);
    CHECK(s.conn->state() == State::Closed);
    CHECK(s.conn->error() == Error::TimedOut);
}

TEST_CASE("RFC 7323 2: window scaling applies after the handshake, never to the SYN") {
    Config cfg;
    cfg.recv_buffer = 1 << 20;
    Scripted s(cfg);
    s.connect(1000);
    auto syn = s.take();
    REQUIRE(syn.size() == 1);
    CHECK(syn[0].h.options.wscale == 5);    // 1 MiB >> 5 fits 16 bits
    CHECK(syn[0].h.window == 65535);        // unscaled in the SYN
    SegSpec synack{.seq = 5000, .ack = 1001, .flags = flag::SYN | flag::ACK, .window = 1000};
    synack.options.wscale = 2;
    synack.options.mss = 1460;
    s.deliver(synack);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    // The initial RCV.BUFF (auto-tuning grows it toward the 1 MiB), scaled.
    CHECK(w[0].h.window == (64 * 1024) >> 5);
    // The peer's window in the SYN-ACK is taken unscaled: 1000 bytes.
    std::string d(5000, 'q');
    s.conn->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(d.data()), d.size()), s.now);
    std::size_t total = 0;
    for (auto& x : s.take()) total += x.payload.size();
    CHECK(total == 1000);
    // Later windows are scaled: 1000 << 2 = 4000 bytes may be in flight.
    s.deliver({.seq = 5001, .ack = 2001, .flags = flag::ACK, .window = 1000});
    Seq highest = 2001;
    for (auto& x : s.take()) highest = seq_max(highest, x.h.seq + x.payload.size());
    CHECK(highest - 2001 > 1000);
    CHECK(highest - 2001 <= 4000);
}
