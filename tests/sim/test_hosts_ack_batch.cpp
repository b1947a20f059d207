// Whole hosts with tcp::Config::ack_per_batch (tests/sim/hosts.hpp ends each
// step with Host::end_of_batch, as the stack's loop ends each wake-up): the
// host ACKs once per connection per batch, only for those that took data.
#include "hosts.hpp"

using namespace simhost;

namespace {

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;

// Bytes A sends B over `conns` connections at once; B's frames counted.
struct Result {
    bool intact = true;
    std::size_t b_frames = 0, a_data_frames = 0;
    std::uint64_t batch_acks = 0;
};

Result run(bool per_batch, int conns, std::uint64_t seed, bool lossy) {
    host::Config cfg = Lan::default_config();
    cfg.tcp.ack_per_batch = per_batch;
    l2::FaultConfig wire;
    wire.delay = 2ms;
    wire.drop_pct = lossy ? 1 : 0;
    wire.reorder_pct = lossy ? 2 : 0;
    wire.seed = seed;
    Lan lan;
    auto& a = lan.add(kA, 1, cfg, wire);
    wire.seed = seed + 1;
    auto& b = lan.add(kB, 2, cfg, wire);
    auto l = b.host.listen(0, 80, 16, {});
    REQUIRE(l);
    std::vector<host::SocketId> cs, ss;
    for (int i = 0; i < conns; ++i)
        cs.push_back(a.host.connect({kA, static_cast<std::uint16_t>(40000 + i), kB, 80}, {}, lan.now, 0s).value);
    REQUIRE(lan.run_until([&] {
        while (auto r = b.host.accept(l.value).value.id) ss.push_back(r);
        return ss.size() == cs.size();
    }, 10s));
    const std::size_t first = lan.wire.size();
    std::vector<std::vector<std::uint8_t>> data(cs.size()), got(cs.size());
    std::vector<std::size_t> sent(cs.size());
    for (std::size_t i = 0; i < cs.size(); ++i) {
        data[i].resize(400000);
        for (std::size_t k = 0; k < data[i].size(); ++k) data[i][k] = static_cast<std::uint8_t>(k * 7 + i);
    }
    std::vector<std::uint8_t> buf(65536);
    // Accepted ids come in handshake order; each B side reads what it gets
    // and the bytes are matched by content below.
    REQUIRE(lan.run_until([&] {
        bool done = true;
        for (std::size_t i = 0; i < cs.size(); ++i) {
            if (sent[i] < data[i].size()) sent[i] += a.host.send(cs[i], base::Bytes(data[i]).subspan(sent[i]), lan.now);
            while (std::size_t n = b.host.recv(ss[i], buf, lan.now)) got[i].insert(got[i].end(), buf.begin(), buf.begin() + static_cast<long>(n));
            done = done && got[i].size() == data[i].size();
        }
        return done;
    }, 60s));
    Result r;
    for (auto& g : got) {
        bool match = false;
        for (auto& d : data) match = match || g == d;
        r.intact = r.intact && match;
    }
    r.b_frames = lan.frames([](const Frame& f) { return f.from == 1 && f.tcp(); }, first).size();
    r.a_data_frames = lan.frames([](const Frame& f) { return f.from == 0 && f.tcp() && f.ip()->total_length > 100; }, first).size();
    for (auto& c : b.host.connection_list().live) r.batch_acks += c.stats.batch_acks;
    return r;
}

}  // namespace

TEST_CASE("host sim: RFC 1122 4.2.3.2 per batch: end_of_batch ACKs each busy connection once a batch") {
    const Result old = run(false, 3, 1, false), now = run(true, 3, 1, false);
    MESSAGE("3 connections, 1200000 bytes: every second segment " << old.b_frames << " frames from B for "
            << old.a_data_frames << " data frames; per batch " << now.b_frames << " for "
            << now.a_data_frames << " (" << now.batch_acks << " at a batch end)");
    CHECK(old.intact);
    CHECK(now.intact);
    CHECK(old.batch_acks == 0);
    CHECK(now.batch_acks > 0);
    CHECK(now.b_frames * 3 < old.b_frames);
}

TEST_CASE("host sim: RFC 1122 4.2.3.2 per batch: byte-exact under loss and reordering") {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        CAPTURE(seed);
        const Result r = run(true, 3, seed, true);
        CHECK(r.intact);
        CHECK(r.batch_acks > 0);
    }
}

TEST_CASE("host sim: RFC 5961 3.2 per batch: a connection reset after it took data, in the same batch, sends no owed ACK") {
    host::Config cfg = Lan::default_config();
    cfg.tcp.ack_per_batch = true;
    l2::FaultConfig wire;
    wire.delay = 2ms;
    Lan lan;
    auto& a = lan.add(kA, 1, cfg, wire);
    auto& b = lan.add(kB, 2, cfg, wire);
    auto l = b.host.listen(0, 80, 4, {});
    auto c = a.host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s).value;
    host::SocketId s = 0;
    REQUIRE(lan.run_until([&] { return (s = b.host.accept(l.value).value.id) != 0; }, 5s));
    lan.run_for(10ms);
    const std::size_t first = lan.wire.size();
    const std::string data(2 * 1448, 'd');  // two full segments beside timestamps
    REQUIRE(a.host.send(c, span_of(data), lan.now) == data.size());
    auto sent = lan.frames([](const Frame& f) { return f.from == 0 && f.tcp(); }, first);
    REQUIRE(sent.size() == 2);
    REQUIRE(sent.back()->tcp()->seq - sent.front()->tcp()->seq == 1448);
    // An RST at RCV.NXT after the data (RFC 5961 3.2: it resets), arriving
    // in the same instant: the connection closes before the batch ends.
    tcp::Header rst = *sent.back()->tcp();
    rst.seq = sent.front()->tcp()->seq + static_cast<std::uint32_t>(data.size());
    rst.flags = tcp::flag::RST;
    rst.ack = 0;
    rst.options = {};
    rst.data_offset = 5;
    lan.inject(0, tcp_frame(a.mac, b.mac, kA, kB, rst));
    lan.run_for(5ms);
    CHECK(b.host.status(s)->state == tcp::State::Closed);
    // B said nothing after the data: no ACK for a connection that is gone.
    CHECK(lan.frames([](const Frame& f) { return f.from == 1 && f.tcp(); }, first).empty());
}
