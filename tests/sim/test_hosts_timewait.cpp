// TIME-WAIT defended, between whole hosts on a simulated Ethernet
// (tests/sim/hosts.hpp), virtual time: RFC 1337's RST that must not end it,
// the retransmitted FIN it answers again, and the new SYN that may end it
// (RFC 6191, RFC 1122 4.2.2.13); and a blind flood of out-of-order segments
// at a live connection, which must cost bounded memory.
#include "alloc_count.hpp"
#include "hosts.hpp"

#include <random>

using namespace simhost;

namespace {

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;

struct Watch final : tcp::Observer {
    std::vector<tcp::TraceEvent::Kind> kinds;
    void on_event(const tcp::Tuple&, const tcp::TraceEvent& e, Time) override { kinds.push_back(e.kind); }
    bool saw(tcp::TraceEvent::Kind k) const { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); }
};

// A connects to B:80, B accepts; then B closes first, A closes too, and B
// ends in TIME-WAIT. Returns B's id for the connection.
struct TimeWaitAtB {
    Lan lan;
    Watch watch;
    Node* a = nullptr;
    Node* b = nullptr;
    host::SocketId listener = 0, client = 0, server = 0;

    explicit TimeWaitAtB(bool timestamps = true) {
        auto cfg = Lan::default_config();
        cfg.tcp.timestamps = timestamps;
        cfg.tcp.msl = 5s;
        a = &lan.add(kA, 1, cfg);
        cfg.observer = &watch;
        b = &lan.add(kB, 2, cfg);
        listener = b->host.listen(0, 80, 8, {}).value;
        client = a->host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s).value;
        REQUIRE(lan.run_until([&] { return a->host.status(client)->established; }, 5s));
        REQUIRE(lan.run_until([&] { return (server = b->host.accept(listener).value.id) != 0; }, 1s));
        b->host.close(server, lan.now, 0s);
        REQUIRE(lan.run_until([&] { return a->host.status(client)->eof; }, 1s));
        a->host.close(client, lan.now, 0s);
        REQUIRE(lan.run_until([&] { return b->host.status(server)->state == tcp::State::TimeWait; }, 1s));
        REQUIRE(lan.run_until([&] { return a->host.status(client)->state == tcp::State::Closed; }, 1s));
        a->host.release(client, lan.now);
    }
};

std::vector<std::uint8_t> segment_frame(const Node& from, const Node& to, std::uint16_t sport,
                                        std::uint16_t dport, tcp::Seq seq, tcp::Seq ack,
                                        std::uint8_t flags, const std::string& payload = "") {
    tcp::Header h;
    h.src_port = sport;
    h.dst_port = dport;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.window = 1000;
    return tcp_frame(from.mac, to.mac, from.addr, to.addr, h, payload);
}

// The last segment B received from A:40000: A's FIN (RCV.NXT at B is its seq + 1).
const Frame* last_from_a(const Lan& lan) {
    auto f = lan.frames([](const Frame& x) { return x.from == 0 && x.tcp() && x.tcp()->src_port == 40000; });
    return f.empty() ? nullptr : f.back();
}

}  // namespace

TEST_CASE("host sim: RFC 1337 an RST in TIME-WAIT does not end it; the trace says so") {
    TimeWaitAtB t;
    const Frame* last = last_from_a(t.lan);
    REQUIRE(last);
    // An exact RST (SEG.SEQ = RCV.NXT), as an old duplicate or a forger would send.
    const auto rst = segment_frame(*t.a, *t.b, 40000, 80, last->tcp()->seq + 1, 0, tcp::flag::RST);
    t.lan.inject(t.a->index, rst);
    t.lan.run_for(100ms);
    CHECK(t.b->host.status(t.server)->state == tcp::State::TimeWait);
    CHECK(t.watch.saw(tcp::TraceEvent::Kind::TimeWaitRstIgnored));
    // It still ends after 2*MSL, as it would have.
    t.lan.run_for(10s);
    CHECK(t.b->host.status(t.server)->state == tcp::State::Closed);
}

TEST_CASE("host sim: RFC 9293 3.10.7.4 a retransmitted FIN in TIME-WAIT is ACKed again") {
    TimeWaitAtB t;
    const Frame* last = last_from_a(t.lan);
    REQUIRE(last);
    REQUIRE((last->tcp()->flags & tcp::flag::FIN) != 0);
    const tcp::Seq fin_seq = last->tcp()->seq;
    const std::size_t before = t.lan.wire.size();
    t.lan.inject(t.a->index, segment_frame(*t.a, *t.b, 40000, 80, fin_seq, last->tcp()->ack,
                                           tcp::flag::FIN | tcp::flag::ACK));
    t.lan.run_for(10ms);
    auto acks = t.lan.frames([](const Frame& f) { return f.from == 1 && f.tcp() && f.tcp()->flags == tcp::flag::ACK; }, before);
    REQUIRE(acks.size() == 1);
    CHECK(acks[0]->tcp()->ack == fin_seq + 1);
    CHECK(t.b->host.status(t.server)->state == tcp::State::TimeWait);
}

TEST_CASE("host sim: RFC 6191 a new SYN with a later timestamp ends TIME-WAIT and opens a new connection") {
    TimeWaitAtB t;
    t.lan.run_for(1s);  // the clocks move on, so the new SYN's TSval is higher
    auto c2 = t.a->host.connect({kA, 40000, kB, 80}, {}, t.lan.now, 0s);
    REQUIRE(c2);
    REQUIRE(t.lan.run_until([&] { return t.a->host.status(c2.value)->established; }, 2s));
    CHECK(t.b->host.counters().time_wait_reused == 1);
    CHECK(t.b->host.status(t.server)->state == tcp::State::TimeWait);  // the old handle's view
    host::SocketId fresh = 0;
    REQUIRE(t.lan.run_until([&] { return (fresh = t.b->host.accept(t.listener).value.id) != 0; }, 1s));
    CHECK(fresh != t.server);
}

TEST_CASE("host sim: RFC 1122 4.2.2.13 without timestamps a SYN above RCV.NXT ends TIME-WAIT; one below does not") {
    TimeWaitAtB t(false);
    const Frame* last = last_from_a(t.lan);
    REQUIRE(last);
    const tcp::Seq rcv_nxt = last->tcp()->seq + 1;
    const std::size_t before = t.lan.wire.size();
    // Below RCV.NXT: an old duplicate. TIME-WAIT answers with an ACK (RFC 5961 4.2) and stays.
    t.lan.inject(t.a->index, segment_frame(*t.a, *t.b, 40000, 80, rcv_nxt - 100, 0, tcp::flag::SYN));
    t.lan.run_for(10ms);
    CHECK(t.b->host.counters().time_wait_reused == 0);
    CHECK(t.b->host.status(t.server)->state == tcp::State::TimeWait);
    // Above it: a new incarnation. B answers with a SYN-ACK for it.
    t.lan.inject(t.a->index, segment_frame(*t.a, *t.b, 40000, 80, rcv_nxt + 100000, 0, tcp::flag::SYN));
    t.lan.run_for(10ms);
    CHECK(t.b->host.counters().time_wait_reused == 1);
    auto synacks = t.lan.frames([](const Frame& f) {
        return f.from == 1 && f.tcp() && f.tcp()->flags == (tcp::flag::SYN | tcp::flag::ACK);
    }, before);
    REQUIRE(synacks.size() == 1);
    CHECK(synacks[0]->tcp()->ack == rcv_nxt + 100001);
}

TEST_CASE("host sim: 20,000 out-of-order and out-of-window segments at a connection: memory flat, data intact") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    auto l = b.host.listen(0, 80, 8, {});
    auto c = a.host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s).value;
    host::SocketId s = 0;
    REQUIRE(lan.run_until([&] { return (s = b.host.accept(l.value).value.id) != 0; }, 5s));
    REQUIRE(a.host.send(c, span_of("first"), lan.now) == 5);
    std::vector<std::uint8_t> buf(65536);
    REQUIRE(lan.run_until([&] { return b.host.status(s)->readable == 5; }, 1s));
    REQUIRE(b.host.recv(s, buf, lan.now) == 5);
    const Frame* last = nullptr;
    for (const Frame* f : lan.frames([](const Frame& x) { return x.from == 0 && x.tcp(); })) last = f;
    REQUIRE(last);
    const tcp::Seq rcv_nxt = last->tcp()->seq + 5, ack = last->tcp()->ack;
    // A blind flood at B: segments scattered above RCV.NXT (out of order, in
    // and beyond the window), each with a little data, never the next byte.
    std::mt19937 rng(7);
    // The Lan's record of the wire grows with every frame; it is not the
    // hosts' memory, so it is emptied before each measurement.
    auto forget_wire = [&] {
        lan.wire.clear();
        lan.wire.shrink_to_fit();
    };
    forget_wire();
    const auto before = alloc_count::live_bytes();
    std::int64_t most = 0, at_half = 0;
    for (int i = 0; i < 20000; ++i) {
        const tcp::Seq seq = rcv_nxt + 1 + static_cast<tcp::Seq>(rng() % 2000000);
        lan.inject(a.index, segment_frame(a, b, 40000, 80, seq, ack, tcp::flag::ACK, "junk data"));
        if (i % 1000 == 999) {
            lan.run_for(1ms);
            forget_wire();
            most = std::max(most, alloc_count::live_bytes() - before);
            if (i == 9999) at_half = most;
        }
    }
    lan.run_for(100ms);
    MESSAGE("20,000 blind segments: the hosts' heap grew by " << at_half << " bytes after 10,000, "
            << most << " at most");
    // What the first segments cost (the out-of-order ranges, B's receive
    // buffer growing on demand up to its 256 KiB capacity, the window) is
    // bounded, and the second 10,000 add nothing.
    CHECK(most < 512 * 1024 + 256 * 1024);
    CHECK(most - at_half < 16 * 1024);
    CHECK(b.host.status(s)->state == tcp::State::Established);
    // The real data still arrives, in order.
    REQUIRE(a.host.send(c, span_of("second"), lan.now) == 6);
    REQUIRE(lan.run_until([&] { return b.host.status(s)->readable == 6; }, 2s));
    REQUIRE(b.host.recv(s, buf, lan.now) == 6);
    CHECK(std::string(buf.begin(), buf.begin() + 6) == "second");
}
