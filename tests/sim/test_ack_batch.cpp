// One ACK decision per receive batch (tcp::Config::ack_per_batch): in-order
// data that RFC 1122 4.2.3.2 / RFC 5681 4.2 would ACK at every second
// full-sized segment only marks an ACK owed, and the owner's flush_ack() at
// the end of the batch sends one cumulative ACK. The stretch is bounded,
// every immediate case stays immediate, and RFC 7323 4.3 makes the ACK echo
// the earliest TSval it covers.
#include <algorithm>

#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

namespace {

Config batch_config() {
    Config c;
    c.ack_per_batch = true;
    return c;
}

const std::string kFull(1460, 'a');

// Delivers `n` full-sized in-order segments from `seq` on; returns the next.
Seq deliver_full(Scripted& s, Seq seq, int n) {
    for (int i = 0; i < n; ++i, seq += 1460) s.deliver({.seq = seq, .ack = 1001, .data = kFull});
    return seq;
}

// The pure ACKs among `w`.
std::vector<Wire> acks(const std::vector<Wire>& w) {
    std::vector<Wire> out;
    for (const auto& x : w)
        if (x.payload.empty() && x.is(flag::ACK)) out.push_back(x);
    return out;
}

}  // namespace

TEST_CASE("RFC 1122 4.2.3.2 per batch: one cumulative ACK at the end of a batch of segments") {
    Scripted s = established(batch_config());
    const Seq end = deliver_full(s, 5001, 8);
    CHECK(s.take().empty());  // eight segments, no ACK yet: it is owed
    CHECK(s.conn->ack_owed());
    s.conn->flush_ack(s.now);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == end);
    CHECK(s.conn->stats().batch_acks == 1);
    CHECK_FALSE(s.conn->ack_owed());
    s.conn->flush_ack(s.now);  // nothing owed: nothing sent
    CHECK(s.take().empty());
    CHECK(s.conn->next_deadline() == std::nullopt);  // no delayed ACK left behind
}

TEST_CASE("RFC 1122 4.2.3.2 per batch: without ack_per_batch, every second segment is ACKed") {
    Scripted s = established();
    deliver_full(s, 5001, 8);
    CHECK(acks(s.take()).size() == 4);
    CHECK_FALSE(s.conn->ack_owed());
}

TEST_CASE("RFC 1122 4.2.3.2 per batch: one segment in a batch waits for the delayed-ACK timer") {
    Scripted s = established(batch_config());
    deliver_full(s, 5001, 1);
    CHECK_FALSE(s.conn->ack_owed());
    s.conn->flush_ack(s.now);
    CHECK(s.take().empty());
    s.advance(40ms);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == 6461);
    CHECK(s.conn->stats().delayed_acks == 1);
}

TEST_CASE("RFC 1122 4.2.3.2 per batch: an owner that never ends the batch still gets the ACK by the timer") {
    Scripted s = established(batch_config());
    deliver_full(s, 5001, 4);
    CHECK(s.take().empty());
    s.advance(40ms);  // RFC 1122 4.2.3.2: never later than 0.5 s; ours is 40 ms
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == 5001 + 4 * 1460);
    CHECK_FALSE(s.conn->ack_owed());
}

TEST_CASE("RFC 5681 4.2 per batch: the stretch is bounded by a quarter of the receive buffer") {
    Scripted s = established(batch_config());
    // The receive buffer in use is 64 KiB (nothing is read, so it does not
    // grow): an ACK as soon as 16 KiB are unacknowledged, within one batch.
    const std::uint32_t limit = 64 * 1024 / 4;
    Seq acked = 5001, seq = 5001;
    int sent = 0;
    for (int i = 0; i < 40; ++i) {
        seq = deliver_full(s, seq, 1);
        for (const auto& a : acks(s.take())) {
            CHECK(a.h.ack - acked >= limit);
            CHECK(a.h.ack - acked < limit + 1460);  // at the first segment past it
            acked = a.h.ack;
            ++sent;
        }
        CHECK(seq - acked < limit + 1460);  // never more unacknowledged than that
    }
    CHECK(sent == 40 * 1460 / (limit + 1460 - 1));  // 3: every 12 segments
}

TEST_CASE("RFC 5681 4.2 per batch: out-of-order data and the segment filling the hole are ACKed at once") {
    Scripted s = established(batch_config());
    deliver_full(s, 5001, 2);
    CHECK(s.take().empty());
    s.deliver({.seq = 5001 + 3 * 1460, .ack = 1001, .data = kFull});  // a hole before it
    auto w = s.take();
    REQUIRE(w.size() == 1);  // the duplicate ACK, at once
    CHECK(w[0].h.ack == 5001 + 2 * 1460);
    CHECK_FALSE(s.conn->ack_owed());  // it covered what was owed
    s.deliver({.seq = 5001 + 2 * 1460, .ack = 1001, .data = kFull});  // fills the hole
    w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == 5001 + 4 * 1460);
}

TEST_CASE("RFC 9293 3.10.7.4 per batch: a FIN is ACKed at once") {
    Scripted s = established(batch_config());
    const Seq end = deliver_full(s, 5001, 3);
    s.deliver({.seq = end, .ack = 1001, .flags = flag::ACK | flag::FIN});
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == end + 1);
    CHECK(s.conn->state() == State::CloseWait);
}

TEST_CASE("RFC 9293 3.8.6.2.2 per batch: the window update after a read is sent at once") {
    Config cfg = batch_config();
    cfg.recv_buffer = 8 * 1460;
    cfg.window_scale = false;
    Scripted s = established(cfg);
    const Seq end = deliver_full(s, 5001, 8);  // fills the buffer
    auto w = acks(s.take());
    // The window is shut by the last segment: past a quarter of the buffer,
    // each pair is ACKed as before (the stretch limit is two segments here).
    REQUIRE(!w.empty());
    CHECK(w.back().h.ack == end);
    CHECK(w.back().h.window == 0);
    std::vector<std::uint8_t> buf(8 * 1460);
    s.conn->recv(buf, s.now);
    w = s.take();
    REQUIRE(w.size() == 1);  // the update, without waiting for a batch end
    CHECK(w[0].h.window == 8 * 1460);
}

TEST_CASE("RFC 9293 3.8.6.1 per batch: a zero-window probe is answered at once") {
    Config cfg = batch_config();
    cfg.recv_buffer = 2 * 1460;
    cfg.window_scale = false;
    Scripted s = established(cfg);
    const Seq end = deliver_full(s, 5001, 2);
    auto w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.window == 0);
    s.deliver({.seq = end, .ack = 1001, .data = "x"});  // the probe
    w = s.take();
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == end);
    CHECK(w[0].h.window == 0);
}

TEST_CASE("RFC 7323 4.3 per batch: a stretch ACK's TSecr echoes the earliest segment it covers") {
    Scripted s(batch_config());
    s.connect(1000);
    SegSpec synack{.seq = 5000, .ack = 1001, .flags = flag::SYN | flag::ACK};
    synack.options.mss = 1460;
    synack.options.timestamps = Timestamps{100, 0};
    s.deliver(synack);
    auto w = s.take();
    REQUIRE(!w.empty());
    REQUIRE(w.back().h.options.timestamps);
    CHECK(w.back().h.options.timestamps->ecr == 100);
    const std::uint32_t ours = w.back().h.options.timestamps->val;
    Seq seq = 5001;
    // One batch: n full segments in order, TSval first, first + 1, ...
    auto batch = [&](std::uint32_t first, std::uint32_t n) {
        for (std::uint32_t tsval = first; tsval < first + n; ++tsval, seq += 1448) {
            SegSpec d{.seq = seq, .ack = 1001, .data = std::string(1448, 'b')};
            d.options.timestamps = Timestamps{tsval, ours};
            s.deliver(d);
        }
        s.conn->flush_ack(s.now);
        return s.take();
    };
    w = batch(200, 5);
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.ack == seq);
    REQUIRE(w[0].h.options.timestamps);
    CHECK(w[0].h.options.timestamps->ecr == 200);  // the first after the last ACK
    // The next batch echoes its own first segment.
    w = batch(300, 3);
    REQUIRE(w.size() == 1);
    CHECK(w[0].h.options.timestamps->ecr == 300);
}

TEST_CASE("RFC 1122 4.2.3.2 per batch: our sender and receiver, byte-exact under loss and reordering") {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        CAPTURE(seed);
        Pair p;
        p.seed = seed;
        p.cfg_a.ack_per_batch = p.cfg_b.ack_per_batch = true;
        p.a_to_b.drop_pct = 2;
        p.a_to_b.reorder_pct = 5;
        p.b_to_a.drop_pct = 2;
        REQUIRE(p.open());
        auto a = random_bytes(1 << 20, seed), b = random_bytes(1 << 18, seed + 100);
        CHECK(p.transfer(a, b, 120s));
        CHECK(p.b()->stats().batch_acks > 0);
    }
}

TEST_CASE("RFC 1122 4.2.3.2 per batch: fewer ACKs than one per two segments, and no slower") {
    auto run = [](bool per_batch, std::uint64_t& acks_from_b, Time& took) {
        Pair p;
        p.cfg_a.ack_per_batch = p.cfg_b.ack_per_batch = per_batch;
        REQUIRE(p.open());
        const std::uint64_t before = p.packets_sent(l2::Side::B);
        const Time start = p.now;
        auto data = random_bytes(4 << 20, 9);
        REQUIRE(p.transfer(data, {}, 60s));
        acks_from_b = p.packets_sent(l2::Side::B) - before;
        took = p.now - start;
        return p.a()->stats().segs_out;
    };
    std::uint64_t acks_old = 0, acks_new = 0;
    Time took_old{0}, took_new{0};
    const std::uint64_t segs_old = run(false, acks_old, took_old);
    run(true, acks_new, took_new);
    MESSAGE("every second segment: " << acks_old << " ACKs for " << segs_old << " segments, "
                                     << took_old.count() / 1000 << " ms virtual; per batch: "
                                     << acks_new << " ACKs, " << took_new.count() / 1000 << " ms");
    CHECK(acks_old >= segs_old / 2 - 2);
    CHECK(acks_new * 4 < acks_old);
    // Virtual time, not the wall clock: the sender copes with stretch ACKs.
    CHECK(took_new.count() <= took_old.count() * 11 / 10);
}
