// Whole hosts on a simulated Ethernet (tests/sim/hosts.hpp), virtual time:
// the TCP around the connection -- the listener's SYN and accept queues
// (RFC 9293 3.10.7.2), RSTs for closed ports (3.10.7.1), TIME-WAIT's end
// (3.10.7.4, 3.6), the application's deadlines, and ICMP errors reaching a
// connection (RFC 1122 4.2.3.9).
#include <algorithm>

#include "hosts.hpp"
#include "ip/icmp_responder.hpp"

using namespace simhost;

namespace {

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;

bool flags_are(const Frame& f, std::uint8_t flags) {
    auto t = f.tcp();
    return t && t->flags == flags;
}

// n connections from A to B:80, each from its own port.
std::vector<host::SocketId> connect_many(Lan& lan, Node& a, int n) {
    std::vector<host::SocketId> ids;
    for (int i = 0; i < n; ++i) {
        auto c = a.host.connect({kA, static_cast<std::uint16_t>(40000 + i), kB, 80}, {}, lan.now, 0s);
        REQUIRE(c);
        ids.push_back(c.value);
    }
    return ids;
}

// Runs until the listener has a connection to accept, and accepts it.
host::Accepted accept_one(Lan& lan, Node& n, host::SocketId listener) {
    host::Accepted got;
    lan.run_until([&] {
        auto r = n.host.accept(listener);
        if (r.value.id != 0) got = r.value;
        return got.id != 0;
    }, 2s);
    REQUIRE(got.id != 0);
    return got;
}

int established(Node& n, const std::vector<host::SocketId>& ids) {
    int k = 0;
    for (auto id : ids)
        if (auto s = n.host.status(id); s && s->established) ++k;
    return k;
}

}  // namespace

TEST_CASE("host sim: RFC 9293 3.10.7.1 a SYN to a closed port gets <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    auto c = a.host.connect({kA, 40000, kB, 81}, {}, lan.now, 0s);
    REQUIRE(c);
    lan.run_until([&] { return a.host.status(c.value)->state == tcp::State::Closed; }, 5s);
    CHECK(a.host.status(c.value)->error == host::Err::Refused);
    auto syn = lan.frames([](const Frame& f) { return flags_are(f, tcp::flag::SYN); });
    auto rst = lan.frames([](const Frame& f) { return flags_are(f, tcp::flag::RST | tcp::flag::ACK); });
    REQUIRE(syn.size() == 1);
    REQUIRE(rst.size() == 1);
    CHECK(rst[0]->from == b.index);
    CHECK(rst[0]->tcp()->seq == 0);
    CHECK(rst[0]->tcp()->ack == syn[0]->tcp()->seq + 1);
    CHECK(rst[0]->tcp()->src_port == 81);
    CHECK(rst[0]->tcp()->dst_port == 40000);
    CHECK(b.host.counters().resets_sent == 1);
}

TEST_CASE("host sim: RFC 9293 3.10.7.2 an ACK to a listener gets <SEQ=SEG.ACK><CTL=RST>; an RST is ignored") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    auto l = b.host.listen(0, 80, 8, {});
    REQUIRE(l);
    // A connection A thinks exists and B never heard of: A's data draws an RST.
    auto c = a.host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s);
    REQUIRE(lan.run_until([&] { return a.host.status(c.value)->established; }, 5s));
    CHECK(b.host.counters().resets_sent == 0);
    accept_one(lan, b, l.value);
    b.unplugged = true;  // B forgets everything (a crash): its RSTs never leave
    b.host.shutdown(lan.now);
    b.unplugged = false;
    REQUIRE(b.host.listen(0, 80, 8, {}));
    const std::size_t before = lan.wire.size();
    REQUIRE(a.host.send(c.value, span_of("hello"), lan.now) == 5);
    lan.run_until([&] { return a.host.status(c.value)->state == tcp::State::Closed; }, 5s);
    CHECK(a.host.status(c.value)->error == host::Err::Reset);
    auto data = lan.frames([](const Frame& f) { return f.from == 0 && f.tcp() && f.tcp()->flags & tcp::flag::PSH; }, before);
    auto rst = lan.frames([](const Frame& f) { return flags_are(f, tcp::flag::RST); }, before);
    REQUIRE(!data.empty());
    REQUIRE(rst.size() == 1);
    CHECK(rst[0]->tcp()->seq == data[0]->tcp()->ack);  // <SEQ=SEG.ACK>
}

TEST_CASE("host sim: RFC 9293 3.10.7.2 a full accept queue drops SYNs until accept() makes room") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    auto l = b.host.listen(0, 80, 2, {});  // accept queue of 2
    REQUIRE(l);
    auto ids = connect_many(lan, a, 2);
    lan.run_for(100ms);
    CHECK(established(a, ids) == 2);  // both wait in the accept queue
    for (int i = 0; i < 2; ++i) {
        auto c = a.host.connect({kA, static_cast<std::uint16_t>(40100 + i), kB, 80}, {}, lan.now, 0s);
        ids.push_back(c.value);
    }
    lan.run_for(500ms);  // before the first SYN retransmission (1 s)
    CHECK(established(a, ids) == 2);
    CHECK(b.host.counters().syn_dropped_backlog == 2);
    // The application accepts: the clients' retransmitted SYNs now get in.
    int accepted = 0;
    for (int round = 0; round < 4; ++round) {
        while (auto acc = b.host.accept(l.value)) {
            if (acc.value.id == 0) break;
            ++accepted;
        }
        lan.run_for(1s);
    }
    CHECK(accepted == 4);
    CHECK(established(a, ids) == 4);
}

TEST_CASE("host sim: RFC 9293 3.10.7.2 without SYN cookies a full SYN queue drops further SYNs; half-open ones time out") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto cfg = Lan::default_config();
    cfg.syn_cookies = false;  // with them: tests/sim/test_syn_cookies.cpp
    auto& b = lan.add(kB, 2, cfg);
    auto l = b.host.listen(0, 80, 1, {});  // SYN queue: max(1, 16) = 16
    REQUIRE(l);
    warm_arp(lan, a, b);
    // B's SYN-ACKs are lost: every handshake stays half-open at B.
    b.tx.config().drop_pct = 100;
    const auto ids = connect_many(lan, a, 20);
    lan.run_for(100ms);
    CHECK(b.host.counters().syn_dropped_backlog == 4);
    CHECK(b.host.connections() == 16);
    // RFC 9293 3.8.1 / RFC 6298: B gives up on each after its SYN-ACK
    // retries (1+2+4+8+16+32+64 s); the queue is empty again.
    lan.run_for(200s);
    CHECK(b.host.connections() == 0);
    b.tx.config().drop_pct = 0;
    auto c = a.host.connect({kA, 41000, kB, 80}, {}, lan.now, 0s);
    REQUIRE(lan.run_until([&] { return a.host.status(c.value)->established; }, 5s));
}

TEST_CASE("host sim: RFC 9293 3.6 TIME-WAIT lasts 2*MSL after an active close, then the connection is gone") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    auto l = b.host.listen(0, 80, 8, {});
    auto c = a.host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s);
    REQUIRE(lan.run_until([&] { return a.host.status(c.value)->established; }, 5s));
    const auto acc = accept_one(lan, b, l.value);
    a.host.close(c.value, lan.now, 0s);
    REQUIRE(lan.run_until([&] { return b.host.status(acc.id)->eof; }, 1s));
    b.host.close(acc.id, lan.now, 0s);
    REQUIRE(lan.run_until([&] { return a.host.status(c.value)->state == tcp::State::TimeWait; }, 1s));
    const Time entered = lan.now;
    a.host.release(c.value, lan.now);  // the application is done; TIME-WAIT goes on
    CHECK(a.host.connections() == 1);
    lan.run_until([&] { return a.host.connections() == 0; }, 5s);
    CHECK(a.host.connections() == 0);
    CHECK(lan.now - entered == 2s);  // 2 * MSL (1 s in these tests)
    CHECK(!a.host.status(c.value));
    // B's side went LAST-ACK -> CLOSED at once.
    CHECK(b.host.status(acc.id)->state == tcp::State::Closed);
    CHECK(b.host.status(acc.id)->error == host::Err::Closed);
}

TEST_CASE("host sim: a connect deadline aborts the handshake with TimedOut") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    REQUIRE(b.host.listen(0, 80, 8, {}));
    warm_arp(lan, a, b);  // A knows B's MAC; then B's answers stop arriving
    b.tx.config().drop_pct = 100;
    const Time start = lan.now;
    const std::size_t before = lan.wire.size();
    auto c = a.host.connect({kA, 40000, kB, 80}, {}, lan.now, 2500ms);
    lan.run_until([&] { return a.host.status(c.value)->state == tcp::State::Closed; }, 10s);
    CHECK(a.host.status(c.value)->error == host::Err::TimedOut);
    CHECK(lan.now - start == 2500ms);
    // SYNs at 0 and 1 s, the next due at 3 s (RFC 6298 5.5 backoff) never went.
    CHECK(lan.frames([](const Frame& f) { return f.from == 0 && flags_are(f, tcp::flag::SYN); }, before).size() == 2);
    // RFC 9293 3.10.5: ABORT in SYN-SENT sends nothing.
    CHECK(lan.frames([](const Frame& f) { return f.from == 0 && f.tcp() && (f.tcp()->flags & tcp::flag::RST); }, before).empty());
}

TEST_CASE("host sim: RFC 1122 4.2.3.9 port unreachable during the handshake aborts the connect") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    lan.run_for(10ms);
    auto c = a.host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s);
    // Stand in for a host whose kernel answers ICMP instead of RST: the SYN
    // that reached B is quoted back to A as port unreachable, by hand.
    REQUIRE(lan.run_until([&] { return !lan.frames([](const Frame& f) { return flags_are(f, tcp::flag::SYN); }).empty(); }, 1s));
    const Frame syn = *lan.frames([](const Frame& f) { return flags_are(f, tcp::flag::SYN); })[0];
    b.tx.config().drop_pct = 100;  // B's own RST must not win the race
    auto e = syn.eth();
    std::vector<std::uint8_t> frame(l2::kEthHeaderLen + 200, 0);
    l2::build_ethernet_header(frame, {a.mac, b.mac, l2::ethertype::IPv4});
    const std::size_t n = ip::build_icmp_error(base::MutBytes(frame).subspan(l2::kEthHeaderLen),
                                               ip::icmp_type::DestinationUnreachable,
                                               ip::unreachable::Port, e->payload, kB, 77);
    REQUIRE(n > 0);
    frame.resize(l2::kEthHeaderLen + n);
    a.host.on_frame(a.ifindex, frame, false, lan.now);
    CHECK(a.host.status(c.value)->state == tcp::State::Closed);
    CHECK(a.host.status(c.value)->error == host::Err::Unreachable);
    CHECK(a.host.counters().icmp_errors_in == 1);
}

namespace {

// A raw-mode host (the kernel owns the addresses) on one bare-IPv4
// interface that records what it sends.
struct RawHost final : host::FrameSink {
    std::vector<std::vector<std::uint8_t>> sent;
    host::Host h;
    int i;
    static host::Config raw_mode(host::Config c) {
        c.kernel_owns_addresses = true;
        return c;
    }
    explicit RawHost(host::Config cfg) : h(raw_mode(std::move(cfg))) {
        i = h.add_interface({"raw", l2::Framing::Ipv4, 65535, {0, 0}, {}, false}, *this);
    }
    int transmit(base::Bytes p) override {
        sent.emplace_back(p.begin(), p.end());
        return 0;
    }
    // A SYN to dst:8080 from src:40000, offering `mss` if given.
    void syn(std::uint32_t src, std::uint32_t dst, std::optional<std::uint16_t> mss = {}) {
        tcp::Header th;
        th.src_port = 40000;
        th.dst_port = 8080;
        th.seq = 1000;
        th.flags = tcp::flag::SYN;
        th.window = 65535;
        th.options.mss = mss;
        const auto f = tcp_frame({}, {}, src, dst, th);
        h.on_frame(i, base::Bytes(f).subspan(l2::kEthHeaderLen), false, Time{0});
    }
    // The last packet sent, if it is a SYN-ACK: its MSS option.
    std::optional<std::uint16_t> synack_mss() const {
        if (sent.empty()) return std::nullopt;
        auto v = ip::parse_ipv4(sent.back(), true);
        if (!v) return std::nullopt;
        auto seg = tcp::parse(v->payload, v->header.src, v->header.dst, true);
        if (!seg || seg->header.flags != (tcp::flag::SYN | tcp::flag::ACK)) return std::nullopt;
        return seg->header.options.mss;
    }
};

}  // namespace

TEST_CASE("host sim: raw mode answers only for the address and port it holds; another program's are left to the kernel") {
    RawHost r(Lan::default_config());
    REQUIRE(r.h.listen(0x7f000001, 8080, 8, {}));  // 127.0.0.1:8080 only
    r.syn(0x0a000009, 0x0a000005);  // 10.0.0.5:8080: some other program's, if anyone's
    CHECK(r.sent.empty());
    CHECK(r.h.counters().not_ours == 1);
    r.syn(0x0a000009, 0x7f000001);  // ours: a SYN-ACK
    REQUIRE(r.sent.size() == 1);
    CHECK(r.synack_mss());
}

TEST_CASE("host sim: raw mode sizes its MSS by the kernel's route toward the peer (RFC 9293 3.7.1)") {
    auto cfg = Lan::default_config();
    cfg.tcp.mss = 65495;  // no --mss: the link decides
    std::vector<std::uint32_t> asked;
    cfg.kernel_route = [&](std::uint32_t dst, Time) -> std::optional<host::RouteInfo> {
        asked.push_back(dst);
        if (dst == 0x7f000001) return host::RouteInfo{65536, true};  // loopback
        if (dst == 0x0a000009) return host::RouteInfo{1500, false};  // an Ethernet
        return std::nullopt;                  // no route known
    };
    RawHost r(cfg);
    REQUIRE(r.h.listen(0, 8080, 8, {}));
    // 65536 - 40 would not fit an IPv4 packet (RFC 791): 65535 - 40.
    r.syn(0x7f000001, 0x7f000001, 65495);
    CHECK(r.synack_mss() == 65495);
    r.syn(0x0a000009, 0x0a000001, 65495);
    CHECK(r.synack_mss() == 1460);
    r.syn(0x0a000077, 0x0a000001, 65495);
    CHECK(r.synack_mss() == 65495);  // unknown: the interface's MTU
    CHECK(r.sent.size() == 3);
    CHECK(std::count(asked.begin(), asked.end(), 0x0a000009u) >= 1);

    // An explicit --mss is the upper bound, whatever the route allows.
    cfg.tcp.mss = 1400;
    RawHost capped(cfg);
    REQUIRE(capped.h.listen(0, 8080, 8, {}));
    capped.syn(0x7f000001, 0x7f000001);
    CHECK(capped.synack_mss() == 1400);
}
