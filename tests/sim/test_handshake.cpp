// RFC 9293 3.5: opening a connection, checked segment by segment.
#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

TEST_CASE("RFC 9293 3.5: active open sends SYN with options, ACKs the SYN-ACK") {
    Scripted s;
    s.connect(1000);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::SYN));
    CHECK(w[0].h.seq == 1000);
    CHECK(w[0].h.options.mss == 1460);
    CHECK(w[0].h.options.sack_permitted);
    CHECK(w[0].h.options.wscale.has_value());
    CHECK(w[0].h.options.timestamps.has_value());
    CHECK(s.conn->state() == State::SynSent);

    SegSpec synack{.seq = 5000, .ack = 1001, .flags = flag::SYN | flag::ACK, .window = 29200};
    synack.options.mss = 1400;
    s.deliver(synack);
    w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::ACK));
    CHECK(w[0].h.seq == 1001);
    CHECK(w[0].h.ack == 5001);
    CHECK(s.conn->state() == State::Established);
    // Options the peer did not offer are off: no timestamps on the ACK.
    CHECK_FALSE(w[0].h.options.timestamps.has_value());
    // RFC 9293 3.7.1: never more than the peer's MSS.
    CHECK(s.conn->peer_mss() == 1400);
    CHECK((s.conn->take_events() & event::Established) != 0);
}

TEST_CASE("RFC 9293 3.10.7.2: passive open answers SYN with SYN-ACK, ACK completes it") {
    Scripted s;
    SegSpec syn{.seq = 7000, .ack = 0, .flags = flag::SYN, .window = 65535};
    syn.options.mss = 1460;
    syn.options.sack_permitted = true;
    s.accept(300, syn);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::SYN | flag::ACK));
    CHECK(w[0].h.seq == 300);
    CHECK(w[0].h.ack == 7001);
    CHECK(w[0].h.options.sack_permitted);
    CHECK_FALSE(w[0].h.options.timestamps.has_value());  // not offered
    CHECK_FALSE(w[0].h.options.wscale.has_value());      // not offered
    CHECK(s.conn->state() == State::SynReceived);
    s.deliver({.seq = 7001, .ack = 301, .flags = flag::ACK});
    CHECK(s.conn->state() == State::Established);
    CHECK(s.take().empty());
}

TEST_CASE("RFC 9293 3.10.7.3: an ACK in SYN-SENT that misses our SYN gets a RST") {
    Scripted s;
    s.connect(1000);
    s.take();
    s.deliver({.seq = 5000, .ack = 999, .flags = flag::SYN | flag::ACK});
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].is(flag::RST));
    CHECK(w[0].h.seq == 999);
    CHECK(s.conn->state() == State::SynSent);
}

TEST_CASE("RFC 9293 3.10.7.3: RST with an acceptable ACK in SYN-SENT means refused") {
    Scripted s;
    s.connect(1000);
    s.take();
    s.deliver({.seq = 0, .ack = 1001, .flags = flag::RST | flag::ACK});
    CHECK(s.conn->state() == State::Closed);
    CHECK(s.conn->error() == Error::Refused);
    // RFC 5961 3.2: an RST whose ACK does not cover the SYN is ignored.
    Scripted t;
    t.connect(1000);
    t.take();
    t.deliver({.seq = 0, .ack = 5, .flags = flag::RST | flag::ACK});
    CHECK(t.conn->state() == State::SynSent);
}

TEST_CASE("RFC 6298 5: SYN retransmitted with backoff, then the connect times out") {
    Config cfg;
    cfg.syn_retries = 3;
    Scripted s(cfg);
    s.connect(1000);
    s.take();
    std::vector<Time> times;
    for (int i = 0; i < 10 && s.conn->state() != State::Closed; ++i) {
        s.advance(*s.conn->next_deadline() - s.now);
        for (auto& w : s.take()) {
            CHECK(w.is(flag::SYN));
            times.push_back(w.at);
        }
    }
    REQUIRE(times.size() == 3);
    CHECK(times[0] == Time(1s));  // initial RTO 1 s (RFC 6298 2.1)
    CHECK(times[1] == Time(3s));  // doubled
    CHECK(times[2] == Time(7s));
    CHECK(s.conn->state() == State::Closed);
    CHECK(s.conn->error() == Error::TimedOut);
}

TEST_CASE("RFC 9293 3.5 figure 8: simultaneous open") {
    // Two active opens whose SYNs cross.
    Recorder ra, rb;
    Tuple ta{kIpA, 1111, kIpB, 2222}, tb{kIpB, 2222, kIpA, 1111};
    auto a = Connection::connect(ta, {}, 100, Time(0), ra);
    auto b = Connection::connect(tb, {}, 300, Time(0), rb);
    auto sa = ra.take(), sb = rb.take();
    a->on_segment(sb[0].view(), Time(1ms));
    b->on_segment(sa[0].view(), Time(1ms));
    CHECK(a->state() == State::SynReceived);
    CHECK(b->state() == State::SynReceived);
    auto sa2 = ra.take(), sb2 = rb.take();
    REQUIRE(sa2.size() == 1);
    CHECK(sa2[0].is(flag::SYN | flag::ACK));
    CHECK(sa2[0].h.seq == 100);
    CHECK(sa2[0].h.ack == 301);
    a->on_segment(sb2[0].view(), Time(2ms));
    b->on_segment(sa2[0].view(), Time(2ms));
    CHECK(a->state() == State::Established);
    CHECK(b->state() == State::Established);
}

TEST_CASE("Pair: handshake and a small exchange over the simulated link") {
    Pair p;
    REQUIRE(p.open());
    auto data = random_bytes(5000, 7);
    auto back = random_bytes(3000, 8);
    CHECK(p.transfer(data, back, 10s));
}

TEST_CASE("RFC 9293 3.10.7.4: a lost SYN-ACK is retransmitted and the handshake completes") {
    Pair p;
    p.a_to_b.delay = p.b_to_a.delay = Duration(10ms);
    p.b_to_a.drop_nth = {1};  // B's first packet: the SYN-ACK
    REQUIRE(p.open(10s));
    CHECK(p.b()->stats().retransmits >= 1);
}

TEST_CASE("RFC 1122 4.2.3.9: an ICMP hard error aborts a connect; a soft one does not") {
    Scripted s;
    s.connect(1000);
    s.conn->on_icmp_error(false, s.now);
    CHECK(s.conn->state() == State::SynSent);
    s.conn->on_icmp_error(true, s.now);
    CHECK(s.conn->state() == State::Closed);
    CHECK(s.conn->error() == Error::Unreachable);
}

TEST_CASE("Observer given to the factories sees the first transition") {
    struct Log : Observer {
        std::vector<std::pair<State, State>> t;
        void on_event(const Tuple&, const TraceEvent& e, Time) override {
            if (e.kind == TraceEvent::Kind::StateChange) t.emplace_back(e.from, e.to);
        }
    } la, lb;
    Recorder ra, rb;
    auto a = Connection::connect(Tuple{kIpA, 1, kIpB, 2}, {}, 100, Time(0), ra, &la);
    auto b = Connection::accept(Tuple{kIpB, 2, kIpA, 1}, {}, 300, ra.take()[0].view(), Time(0), rb, &lb);
    REQUIRE(la.t.size() == 1);
    CHECK(la.t[0] == std::pair{State::Closed, State::SynSent});
    REQUIRE(lb.t.size() == 1);
    CHECK(lb.t[0] == std::pair{State::Listen, State::SynReceived});
}
