// RST handling (RFC 9293 3.10.7) and the blind-attack defences of RFC 5961,
// each with a scripted peer.
#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

namespace {
// A small peer window (8 KiB), so that "older than SND.UNA - MAX.SND.WND"
// is easy to reach, and no options.
Scripted small_window(Config cfg = {}) { return sim::established(cfg, 8192, std::nullopt); }
}  // namespace

TEST_CASE("RFC 5961 3.2: an RST exactly at RCV.NXT resets the connection") {
    Scripted s = small_window();
    s.deliver({.seq = 5001, .ack = 0, .flags = flag::RST});
    CHECK(s.conn->state() == State::Closed);
    CHECK(s.conn->error() == Error::Reset);
    CHECK(s.take().empty());
}

TEST_CASE("RFC 5961 3.2: an in-window but inexact RST draws a challenge ACK") {
    Scripted s = small_window();
    s.deliver({.seq = 5100, .ack = 0, .flags = flag::RST});
    CHECK(s.conn->state() == State::Established);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::ACK));
    CHECK(w[0].h.seq == 1001);
    CHECK(w[0].h.ack == 5001);
    CHECK(s.conn->stats().challenge_acks == 1);
}

TEST_CASE("RFC 5961 3.2: an RST outside the window is dropped silently") {
    Scripted s = small_window();
    s.deliver({.seq = 5001 + 100000, .ack = 0, .flags = flag::RST});
    s.deliver({.seq = 4000, .ack = 0, .flags = flag::RST});
    CHECK(s.conn->state() == State::Established);
    CHECK(s.take().empty());
}

TEST_CASE("RFC 5961 4.2: a SYN in a synchronized state draws a challenge ACK, any sequence") {
    Scripted s = small_window();
    s.deliver({.seq = 5001, .ack = 0, .flags = flag::SYN});
    CHECK(s.conn->state() == State::Established);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::ACK));
    CHECK(w[0].h.ack == 5001);
    // Out of the window too: the unacceptable-segment ACK, no reset.
    s.deliver({.seq = 900000, .ack = 0, .flags = flag::SYN});
    CHECK(s.conn->state() == State::Established);
    CHECK(s.take().size() == 1);
}

TEST_CASE("RFC 5961 5.2: an ACK of data never sent draws a challenge ACK and is dropped") {
    Scripted s = small_window();
    s.deliver({.seq = 5001, .ack = 90000, .flags = flag::ACK, .data = "x"});
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == 5001);  // the data was not taken
    CHECK(s.conn->readable() == 0);
}

TEST_CASE("RFC 5961 5.2: an ACK older than SND.UNA - MAX.SND.WND is dropped") {
    Scripted s = small_window();
    s.deliver({.seq = 5001, .ack = 1001u - 50000u, .flags = flag::ACK, .data = "x"});
    CHECK(s.conn->readable() == 0);
    CHECK(s.conn->stats().challenge_acks == 1);
}

TEST_CASE("RFC 5961 7: challenge ACKs are rate-limited") {
    Scripted s = small_window();
    for (int i = 0; i < 50; ++i) s.deliver({.seq = 5100, .ack = 0, .flags = flag::RST});
    CHECK(s.take().size() == 10);
    s.advance(1100ms);
    s.deliver({.seq = 5100, .ack = 0, .flags = flag::RST});
    CHECK(s.take().size() == 1);
}

TEST_CASE("RFC 9293 3.10.7.4: RST in SYN-RECEIVED closes the half-open connection") {
    Scripted s;
    s.accept(300, {.seq = 7000, .ack = 0, .flags = flag::SYN});
    s.take();
    s.deliver({.seq = 7001, .ack = 0, .flags = flag::RST});
    CHECK(s.conn->state() == State::Closed);
}

TEST_CASE("RFC 9293 3.10.7.4: a bad ACK in SYN-RECEIVED gets <SEQ=SEG.ACK><CTL=RST>") {
    Scripted s;
    s.accept(300, {.seq = 7000, .ack = 0, .flags = flag::SYN});
    s.take();
    s.deliver({.seq = 7001, .ack = 9999, .flags = flag::ACK});
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::RST));
    CHECK(w[0].h.seq == 9999);
    CHECK(s.conn->state() == State::SynReceived);
}

TEST_CASE("RFC 9293 3.10.7.1: segments to no connection get the RST the RFC gives") {
    std::vector<std::uint8_t> keep;
    Tuple t{kIpB, 80, kIpA, 40000};
    // With ACK: <SEQ=SEG.ACK><CTL=RST>
    auto v = make_segment(t, {.seq = 10, .ack = 777, .flags = flag::ACK, .data = "abc"}, keep);
    auto r = reset_for(v);
    REQUIRE(r);
    CHECK(r->flags == flag::RST);
    CHECK(r->seq == 777);
    CHECK(r->src_port == 80);
    CHECK(r->dst_port == 40000);
    // Without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; a SYN counts 1.
    v = make_segment(t, {.seq = 10, .ack = 0, .flags = flag::SYN}, keep);
    r = reset_for(v);
    REQUIRE(r);
    CHECK(r->flags == (flag::RST | flag::ACK));
    CHECK(r->seq == 0);
    CHECK(r->ack == 11);
    // Never an RST for an RST.
    v = make_segment(t, {.seq = 10, .ack = 0, .flags = flag::RST}, keep);
    CHECK_FALSE(reset_for(v));
}

TEST_CASE("RFC 7323 5.3: PAWS drops an old duplicate; an RST without timestamps is still taken") {
    Scripted s;
    s.connect(1000);
    SegSpec synack{.seq = 5000, .ack = 1001, .flags = flag::SYN | flag::ACK, .window = 8192};
    synack.options.timestamps = Timestamps{100, 1};
    s.deliver(synack);
    s.take();
    SegSpec old{.seq = 5001, .ack = 1001, .flags = flag::ACK, .data = "old"};
    old.options.timestamps = Timestamps{50, 1};
    s.deliver(old);
    CHECK(s.conn->readable() == 0);
    CHECK(s.take().size() == 1);  // an ACK for the dropped segment
    // Timestamp interop: a segment without the option is not dropped.
    s.deliver({.seq = 5001, .ack = 1001, .flags = flag::ACK, .data = "new"});
    CHECK(s.conn->readable() == 3);
    s.deliver({.seq = 5004, .ack = 0, .flags = flag::RST});
    CHECK(s.conn->error() == Error::Reset);
}
