// RFC 9293 3.6: closing a connection, from either side, at once, half-way,
// and TIME-WAIT.
#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

namespace {
// A scripted connection in ESTABLISHED: ours ISS 1000, peer's 5000, no options.
// A small peer window (8 KiB), so that "older than SND.UNA - MAX.SND.WND"
// is easy to reach, and no options.
Scripted small_window(Config cfg = {}) { return sim::established(cfg, 8192, std::nullopt); }
}  // namespace

TEST_CASE("RFC 9293 3.6 case 1: we close first: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSED") {
    Config cfg;
    cfg.msl = 1s;
    Scripted s = small_window(cfg);
    s.conn->shutdown_send(s.now);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::FIN | flag::ACK));
    CHECK(w[0].h.seq == 1001);
    CHECK(w[0].h.ack == 5001);
    CHECK(s.conn->state() == State::FinWait1);
    s.deliver({.seq = 5001, .ack = 1002, .flags = flag::ACK});
    CHECK(s.conn->state() == State::FinWait2);
    s.deliver({.seq = 5001, .ack = 1002, .flags = flag::FIN | flag::ACK});
    w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::ACK));
    CHECK(w[0].h.ack == 5002);
    CHECK(s.conn->state() == State::TimeWait);
    CHECK(s.conn->eof());
    // A retransmitted FIN in TIME-WAIT is ACKed again and restarts 2*MSL.
    s.advance(1500ms);
    CHECK(s.conn->state() == State::TimeWait);
    s.deliver({.seq = 5001, .ack = 1002, .flags = flag::FIN | flag::ACK});
    w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == 5002);
    s.advance(1900ms);
    CHECK(s.conn->state() == State::TimeWait);
    s.advance(200ms);  // 2*MSL after the last FIN
    CHECK(s.conn->state() == State::Closed);
    CHECK(s.conn->error() == Error::None);
}

TEST_CASE("RFC 9293 3.6 case 1: the peer closes first: CLOSE-WAIT, LAST-ACK, CLOSED") {
    Scripted s = small_window();
    s.deliver({.seq = 5001, .ack = 1001, .flags = flag::FIN | flag::ACK});
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == 5002);
    CHECK(s.conn->state() == State::CloseWait);
    CHECK(s.conn->eof());
    s.conn->close(s.now);
    w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::FIN | flag::ACK));
    CHECK(s.conn->state() == State::LastAck);
    s.deliver({.seq = 5002, .ack = 1002, .flags = flag::ACK});
    CHECK(s.conn->state() == State::Closed);
    CHECK(s.conn->error() == Error::None);
}

TEST_CASE("RFC 9293 3.6 case 2: simultaneous close goes through CLOSING to TIME-WAIT") {
    Scripted s = small_window();
    s.conn->shutdown_send(s.now);
    s.take();
    s.deliver({.seq = 5001, .ack = 1001, .flags = flag::FIN | flag::ACK});  // FINs cross
    CHECK(s.conn->state() == State::Closing);
    s.deliver({.seq = 5002, .ack = 1002, .flags = flag::ACK});
    CHECK(s.conn->state() == State::TimeWait);
}

TEST_CASE("RFC 9293 3.6: half-close: the peer keeps sending after our FIN") {
    Scripted s = small_window();
    s.conn->shutdown_send(s.now);
    s.take();
    s.deliver({.seq = 5001, .ack = 1002, .flags = flag::ACK});
    CHECK(s.conn->state() == State::FinWait2);
    s.deliver({.seq = 5001, .ack = 1002, .flags = flag::ACK | flag::PSH, .data = "still talking"});
    CHECK(s.conn->readable() == 13);
    std::uint8_t buf[64];
    CHECK(s.conn->recv(buf, s.now) == 13);
    CHECK(std::string(buf, buf + 13) == "still talking");
}

TEST_CASE("Pair: half-close with data still flowing the other way, then both close") {
    Pair p;
    REQUIRE(p.open());
    p.a()->shutdown_send(p.now);
    auto data = random_bytes(200000, 9);
    std::size_t sent = 0;
    REQUIRE(p.run_until(
        [&] {
            if (sent < data.size()) sent += p.b()->send(base::Bytes(data).subspan(sent), p.now);
            return p.got_a.size() == data.size();
        },
        30s));
    CHECK(p.got_a == data);
    CHECK(p.b()->state() == State::CloseWait);
    CHECK(p.a()->state() == State::FinWait2);
    p.b()->close(p.now);
    REQUIRE(p.run_until([&] { return p.b()->state() == State::Closed; }, 10s));
    CHECK(p.a()->state() == State::TimeWait);
    REQUIRE(p.run_until([&] { return p.a()->state() == State::Closed; }, 10s));
}

TEST_CASE("RFC 9293 3.10.7.4: a lost FIN is retransmitted") {
    Pair p;
    REQUIRE(p.open());
    p.drop_next(l2::Side::A, {1});  // the next segment from A: the FIN
    p.a()->shutdown_send(p.now);
    REQUIRE(p.run_until([&] { return p.b()->state() == State::CloseWait; }, 10s));
    CHECK(p.a()->stats().retransmits >= 1);
    CHECK(p.run_until([&] { return p.a()->state() == State::FinWait2; }, 1s));
}

TEST_CASE("RFC 2525 2.17: close() with unread data resets the connection") {
    Scripted s = small_window();
    s.deliver({.seq = 5001, .ack = 1001, .flags = flag::ACK, .data = "unread"});
    s.take();
    s.conn->close(s.now);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::RST));
    CHECK(w[0].h.seq == 1001);
    CHECK(s.conn->state() == State::Closed);
}

TEST_CASE("RFC 9293 3.10.5: abort sends RST and reports an aborted connection") {
    Scripted s = small_window();
    s.conn->abort(s.now);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::RST));
    CHECK(s.conn->error() == Error::Aborted);
}
