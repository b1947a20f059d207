// Loss recovery and congestion control seen on the wire: RFC 5681 slow
// start and fast retransmit, RFC 6582 NewReno, RFC 6675 SACK recovery,
// RFC 6298 RTO.
#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

namespace {
// A long one-way transfer A -> B in which A's data segment number `lost`
// (counting A's segments from the first data segment) is dropped once.
struct OneLoss {
    Pair p;
    std::vector<std::uint8_t> data = random_bytes(400000, 11);

    explicit OneLoss(bool sack, std::initializer_list<int> lost) {
        p.cfg_a.sack = p.cfg_b.sack = sack;
        p.cfg_a.timestamps = p.cfg_b.timestamps = false;
        p.a_to_b.delay = p.b_to_a.delay = tcp::Duration(10ms);
        REQUIRE(p.open());
        p.drop_next(l2::Side::A, lost);
    }
    bool run() { return p.transfer(data, {}, 60s); }
};
}  // namespace

TEST_CASE("RFC 5681 3.2: a single lost segment is recovered by fast retransmit, not an RTO") {
    for (bool sack : {false, true}) {
        CAPTURE(sack);
        OneLoss t(sack, {40});
        REQUIRE(t.run());
        const auto& st = t.p.a()->stats();
        CHECK(st.fast_retransmits == 1);
        CHECK(st.rto_timeouts == 0);
        CHECK(st.retransmits == 1);  // exactly the lost segment, nothing else
        CHECK(st.dup_acks_in >= 3);
    }
}

TEST_CASE("RFC 5681 3.1: cwnd grows in slow start and is halved on loss (eq. 4)") {
    Pair p;
    p.cfg_a.timestamps = p.cfg_b.timestamps = false;
    p.cfg_a.sack = p.cfg_b.sack = false;
    p.a_to_b.delay = p.b_to_a.delay = tcp::Duration(10ms);
    REQUIRE(p.open());
    const std::uint32_t smss = p.a()->peer_mss();
    const std::uint32_t iw = p.a()->cwnd();
    CHECK(iw == std::min(10 * smss, std::max(2 * smss, 14600u)));  // RFC 6928
    auto data = random_bytes(2000000, 5);
    std::size_t sent = 0;
    std::vector<std::uint32_t> cwnd_per_rtt;
    // Sample cwnd once per RTT (20 ms) during slow start.
    for (int rtt = 0; rtt < 4; ++rtt) {
        p.run_until(
            [&] {
                if (sent < data.size()) sent += p.a()->send(base::Bytes(data).subspan(sent), p.now);
                return false;
            },
            20ms);
        cwnd_per_rtt.push_back(p.a()->cwnd());
    }
    // Slow start: roughly doubling every round trip.
    for (std::size_t i = 1; i < cwnd_per_rtt.size(); ++i) {
        CAPTURE(i);
        CHECK(cwnd_per_rtt[i] >= cwnd_per_rtt[i - 1] * 3 / 2);
    }
    // Now lose one segment: ssthresh = max(FlightSize/2, 2*SMSS). In slow
    // start FlightSize is cwnd, or the peer's window once cwnd (growing by
    // by the bytes each ACK covers, RFC 3465 2.2) has passed it.
    p.drop_next(l2::Side::A, {1});
    std::uint32_t before = 0, ssthresh_after = 0;
    REQUIRE(p.run_until(
        [&] {
            if (sent < data.size()) sent += p.a()->send(base::Bytes(data).subspan(sent), p.now);
            if (p.a()->stats().fast_retransmits == 0)
                before = std::min(p.a()->cwnd(), p.a()->info().snd_wnd);
            else if (!ssthresh_after) ssthresh_after = p.a()->ssthresh();
            return p.got_b.size() == data.size();
        },
        60s));
    CHECK(p.a()->stats().fast_retransmits == 1);
    CHECK(ssthresh_after >= before / 2 - 2 * smss);
    CHECK(ssthresh_after <= before / 2 + 2 * smss);
    CHECK(p.got_b == data);
}

TEST_CASE("RFC 6582: several losses in one window recovered in one NewReno recovery") {
    OneLoss t(false, {40, 43, 46});
    REQUIRE(t.run());
    const auto& st = t.p.a()->stats();
    CHECK(st.fast_retransmits == 1);  // partial ACKs resend the rest
    CHECK(st.rto_timeouts == 0);
    CHECK(st.retransmits == 3);
}

TEST_CASE("RFC 6675: with SACK, several holes are resent without waiting an RTT each") {
    OneLoss t(true, {40, 43, 46});
    REQUIRE(t.run());
    const auto& st = t.p.a()->stats();
    CHECK(st.fast_retransmits == 1);
    CHECK(st.rto_timeouts == 0);
    CHECK(st.retransmits == 3);  // SACKed data is not resent
}

TEST_CASE("RFC 6298 5: a lost tail segment is recovered by the RTO, with backoff") {
    Pair p;
    p.a_to_b.delay = p.b_to_a.delay = tcp::Duration(10ms);
    REQUIRE(p.open());
    p.drop_next(l2::Side::A, {1, 2});  // the only segment, and its first retransmission
    const std::string msg = "hello";
    p.a()->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()), p.now);
    const Time start = p.now;
    REQUIRE(p.run_until([&] { return p.got_b.size() == msg.size(); }, 10s));
    CHECK(p.a()->stats().rto_timeouts == 2);
    // First RTO after ~the 200 ms minimum, the second after twice that.
    CHECK(p.now - start >= 600ms);
    CHECK(p.now - start < 1200ms);
}

TEST_CASE("RFC 6298 5.5: data retransmission gives up after the retry limit: timed out") {
    Pair p;
    p.cfg_a.max_retries = 4;
    REQUIRE(p.open());
    p.drop_next(l2::Side::A, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    const std::string msg = "into the void";
    p.a()->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()), p.now);
    REQUIRE(p.run_until([&] { return p.a()->state() == State::Closed; }, 600s));
    CHECK(p.a()->error() == Error::TimedOut);
    CHECK(p.a()->stats().rto_timeouts == 4);
}

TEST_CASE("Flow control end to end: a slow reader closes the window, the sender probes, then finishes") {
    Pair p;
    p.cfg_b.recv_buffer = 16384;
    REQUIRE(p.open());
    auto data = random_bytes(200000, 21);
    std::size_t sent = 0;
    // B does not read for 3 s: A fills B's buffer and meets a zero window.
    auto pump = [&] {
        if (sent < data.size()) sent += p.a()->send(base::Bytes(data).subspan(sent), p.now);
        return false;
    };
    std::vector<std::uint8_t> held;
    p.b_paused = true;
    p.run_until(pump, 3s);
    CHECK(p.got_b.empty());
    CHECK(p.a()->stats().zero_window_probes >= 2);
    p.b_paused = false;
    REQUIRE(p.run_until(
        [&] {
            pump();
            return p.got_b.size() == data.size();
        },
        60s));
    CHECK(p.got_b == data);
}

TEST_CASE("Observer: state changes, RTO and congestion events are reported in order") {
    struct Log : Observer {
        std::vector<TraceEvent> ev;
        void on_event(const Tuple&, const TraceEvent& e, Time) override { ev.push_back(e); }
    } log;
    Pair p;
    p.out_a.now = p.now;
    REQUIRE(p.open());
    p.a()->set_observer(&log);
    p.drop_next(l2::Side::A, {1});
    const std::string msg = "watch me";
    p.a()->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()), p.now);
    REQUIRE(p.run_until([&] { return p.got_b.size() == msg.size(); }, 5s));
    p.a()->shutdown_send(p.now);
    p.b()->close(p.now);
    REQUIRE(p.run_until([&] { return p.a()->state() == State::TimeWait; }, 5s));
    std::vector<TraceEvent::Kind> kinds;
    std::vector<State> states;
    for (auto& e : log.ev) {
        kinds.push_back(e.kind);
        if (e.kind == TraceEvent::Kind::StateChange) states.push_back(e.to);
    }
    CHECK(std::count(kinds.begin(), kinds.end(), TraceEvent::Kind::RtoFired) == 1);
    CHECK(std::count(kinds.begin(), kinds.end(), TraceEvent::Kind::Congestion) >= 1);
    REQUIRE(states.size() >= 2);
    CHECK(states[0] == State::FinWait1);
    CHECK(states.back() == State::TimeWait);
}

TEST_CASE("RFC 6675 5: with data flowing both ways, SACK detects a loss without pure duplicate ACKs") {
    // An echo-like exchange: B's ACKs to A all carry data, so none is a
    // duplicate ACK in RFC 5681's sense; the SACK scoreboard must still
    // start fast recovery instead of waiting for the RTO.
    Pair p;
    p.a_to_b.delay = p.b_to_a.delay = Duration(10ms);
    REQUIRE(p.open());
    auto up = random_bytes(600000, 31), down = random_bytes(600000, 32);
    p.drop_next(l2::Side::A, {60});
    REQUIRE(p.transfer(up, down, 60s));
    CHECK(p.a()->stats().fast_retransmits == 1);
    CHECK(p.a()->stats().rto_timeouts == 0);
    // RFC 6691: SACK blocks come out of the payload; no segment outgrows
    // MSS + 20 bytes of TCP header, so no IP packet outgrows the 1500 MTU.
    std::size_t sacks = 0;
    for (const auto* out : {&p.out_a, &p.out_b})
        for (const auto& w : out->sent) {
            CHECK(w.bytes.size() <= 1460 + 20);
            sacks += w.h.options.sack_count ? 1 : 0;
        }
    CHECK(sacks > 0);
}

TEST_CASE("RFC 6675 5: data-carrying ACKs with new SACK blocks start fast recovery") {
    Scripted s;
    s.connect(1000);
    SegSpec synack{.seq = 5000, .ack = 1001, .flags = flag::SYN | flag::ACK, .window = 65535};
    synack.options.mss = 1000;
    synack.options.sack_permitted = true;
    s.deliver(synack);
    s.take();
    std::string data(10000, 'd');
    s.conn->send(base::Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), s.now);
    auto w = s.take();
    REQUIRE(w.size() == 10);  // the initial window: 10 segments of 1000
    // The peer got segment 1, lost segment 2, and got 3, 4, 5: each of its
    // replies carries data of its own, so none is a pure duplicate ACK.
    Seq peer_seq = 5001;
    for (int k = 3; k <= 5; ++k) {
        SegSpec r{.seq = peer_seq, .ack = 2001, .flags = flag::ACK, .data = "echo"};
        r.options.sack_count = 1;
        r.options.sack[0] = SackBlock{3001, static_cast<Seq>(1001 + 1000 * k)};
        s.deliver(r);
        peer_seq += 4;
    }
    w = s.take();
    bool resent = false;
    for (auto& x : w) resent |= x.h.seq == 2001 && x.payload.size() == 1000;
    CHECK(resent);
    CHECK(s.conn->stats().fast_retransmits == 1);
}

TEST_CASE("RFC 8985 7: a lost tail is found by the tail loss probe, not the RTO") {
    Pair p;
    p.a_to_b.delay = p.b_to_a.delay = Duration(10ms);
    REQUIRE(p.open());
    // Warm up so that SRTT is known, then send 10 segments and lose the
    // last two: no duplicate ACKs can follow them.
    auto warm = random_bytes(20000, 41);
    REQUIRE(p.transfer(warm, {}, 5s));
    auto data = random_bytes(10 * 1448, 42);
    p.drop_next(l2::Side::A, {9, 10});
    const Time start = p.now;
    REQUIRE(p.transfer(data, {}, 5s));
    const auto& st = p.a()->stats();
    CHECK(st.tail_loss_probes >= 1);
    CHECK(st.rto_timeouts == 0);
    CHECK(p.now - start < 150ms);  // about 2*SRTT + a round trip, far below the 200 ms RTO floor
}

TEST_CASE("RFC 8985 6.2: a lost retransmission is found by RACK, not the RTO") {
    // Two identical deterministic runs: the first finds which packet carries
    // the fast retransmission, the second loses the original and that.
    auto run = [](std::initializer_list<int> lose, int& rtx_packet) {
        Pair p;
        p.a_to_b.delay = p.b_to_a.delay = Duration(10ms);
        REQUIRE(p.open());
        auto warm = random_bytes(50000, 43);
        REQUIRE(p.transfer(warm, {}, 5s));
        const int base = static_cast<int>(p.out_a.sent.size());
        p.drop_next(l2::Side::A, lose);
        auto data = random_bytes(300000, 44);
        REQUIRE(p.transfer(data, {}, 10s));
        // The first segment A sent twice in this burst: the retransmission.
        rtx_packet = 0;
        for (std::size_t i = base; i < p.out_a.sent.size() && !rtx_packet; ++i)
            for (std::size_t j = base; j < i; ++j)
                if (p.out_a.sent[j].h.seq == p.out_a.sent[i].h.seq && !p.out_a.sent[i].payload.empty()) {
                    rtx_packet = static_cast<int>(i) + 1 - base;
                    break;
                }
        return p.a()->stats();
    };
    int rtx = 0, unused = 0;
    run({5}, rtx);
    REQUIRE(rtx > 5);
    const Stats st = run({5, rtx}, unused);
    CHECK(st.retransmits >= 2);
    CHECK(st.rto_timeouts == 0);
}
