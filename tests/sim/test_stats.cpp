// tcp::Stats and tcp::Info, what --stats prints (app/stats.hpp), counted
// right on the simulated link: a lost segment is one retransmission, by
// fast retransmit (RFC 5681 3.2) in mid-stream or by the RTO (RFC 6298 5)
// at the tail; the host sums the counters of connections that have closed.
#include <sstream>

#include "app/stats.hpp"
#include "hosts.hpp"
#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

TEST_CASE("Stats: a segment lost in mid-stream is one retransmission, by fast retransmit, SACKed around") {
    Pair p;
    p.a_to_b.delay = p.b_to_a.delay = tcp::Duration(10ms);
    REQUIRE(p.open());
    p.drop_next(l2::Side::A, {30});
    const auto data = random_bytes(200000, 3);
    REQUIRE(p.transfer(data, {}, 60s));
    // B has it all; A's count waits for the last ACK.
    REQUIRE(p.run_until([&] { return p.a()->info().in_flight == 0; }, 5s));
    const Stats& a = p.a()->stats();
    const Stats& b = p.b()->stats();
    CHECK(a.retransmits == 1);
    CHECK(a.fast_retransmits == 1);
    CHECK(a.rto_timeouts == 0);
    CHECK(a.dup_acks_in >= 3);
    CHECK(a.bytes_out == data.size());
    CHECK(a.bytes_acked == data.size());
    CHECK(a.sack_blocks_in > 0);  // RFC 2018: B told what it held above the hole
    CHECK(a.sacked_bytes >= p.a()->peer_mss());
    CHECK(b.bytes_in == data.size());
    CHECK(b.out_of_order_in > 0);
    CHECK(a.segs_out > data.size() / p.a()->peer_mss());
    CHECK(b.segs_in > 0);
}

TEST_CASE("Stats: a lost tail segment is one RTO expiration and one retransmission; Info after it") {
    Pair p;
    p.a_to_b.delay = p.b_to_a.delay = tcp::Duration(10ms);
    REQUIRE(p.open());
    p.drop_next(l2::Side::A, {1});
    const std::string msg = "hello";
    p.a()->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()), p.now);
    REQUIRE(p.run_until([&] { return p.got_b.size() == msg.size() && p.a()->info().in_flight == 0; }, 10s));
    const Stats& a = p.a()->stats();
    // RFC 8985 7: a tail loss probe may resend it before the RTO does.
    CHECK(a.retransmits == 1);
    CHECK(a.rto_timeouts + a.tail_loss_probes == 1);
    CHECK(a.bytes_acked == msg.size());
    const Info i = p.a()->info();
    CHECK(i.state == State::Established);
    CHECK(i.srtt >= 20ms);  // the round trip of the sim link
    CHECK(i.rto >= 200ms);  // RFC 6298 2.4's minimum as configured
    CHECK(i.mss == p.a()->peer_mss());
    CHECK(i.cwnd == p.a()->cwnd());
    CHECK(i.unsent == 0);
    CHECK(i.snd_wnd > 0);
    CHECK(p.b()->info().rcv_wnd > 0);
}

TEST_CASE("Stats: += sums every counter") {
    Stats a, b;
    a.retransmits = 2;
    a.bytes_acked = 10;
    b.retransmits = 3;
    b.sacked_bytes = 7;
    b.tso_segs_out = 4;
    a += b;
    CHECK(a.retransmits == 5);
    CHECK(a.bytes_acked == 10);
    CHECK(a.sacked_bytes == 7);
    CHECK(a.tso_segs_out == 4);
}

TEST_CASE("host sim: connection_list() shows live connections with their stats; closed ones are summed") {
    using namespace simhost;
    constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    REQUIRE(b.host.listen(0, 80, 8, {}));
    auto c = a.host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s);
    REQUIRE(c);
    REQUIRE(lan.run_until([&] { return a.host.status(c.value)->established; }, 5s));
    REQUIRE(a.host.send(c.value, span_of("hello"), lan.now) == 5);
    lan.run_for(200ms);
    auto l = a.host.connection_list();
    REQUIRE(l.live.size() == 1);
    CHECK(l.live[0].tuple == tcp::Tuple{kA, 40000, kB, 80});
    CHECK(l.live[0].info.state == State::Established);
    CHECK(l.live[0].stats.bytes_acked == 5);
    CHECK(l.closed == 0);
    std::ostringstream line;
    app::print_connection(line, l.live[0]);
    CHECK(line.str().rfind("ESTABLISHED 10.0.0.1:40000 10.0.0.2:80 rto:", 0) == 0);
    CHECK(line.str().find(" bytes_acked:5 ") != std::string::npos);

    a.host.abort(c.value, lan.now);
    lan.run_for(100ms);
    l = a.host.connection_list();
    CHECK(l.live.empty());
    CHECK(l.closed == 1);
    CHECK(l.closed_stats.bytes_out == 5);
    CHECK(l.closed_stats.segs_out >= 3);
}
