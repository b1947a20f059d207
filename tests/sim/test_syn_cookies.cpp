// SYN cookies (RFC 4987 3.3) on whole hosts, virtual time: a flood of
// spoofed SYNs fills B's SYN queue; B then answers with cookies, keeps no
// state for them, and makes the connection when the ACK returns one.
#include "alloc_count.hpp"
#include "hosts.hpp"

using namespace simhost;

namespace {

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002, kC = 0x0a000003;

tcp::Header syn_to_b(std::uint16_t sport, tcp::Seq isn, bool ts = true) {
    tcp::Header h;
    h.src_port = sport;
    h.dst_port = 80;
    h.seq = isn;
    h.flags = tcp::flag::SYN;
    h.window = 65535;
    h.options.mss = 1460;
    h.options.wscale = 7;
    h.options.sack_permitted = true;
    if (ts) h.options.timestamps = tcp::Timestamps{1000, 0};
    return h;
}

// `n` SYNs from spoofed addresses of the subnet (10.0.0.10 .. .249), sent
// through node `from`'s port.
void flood(Lan& lan, Node& from, Node& to, int n, int first = 0) {
    for (int i = first; i < first + n; ++i) {
        const std::uint32_t src = 0x0a00000a + static_cast<std::uint32_t>(i % 240);
        const auto h = syn_to_b(static_cast<std::uint16_t>(1024 + i / 240), 0x1000u * static_cast<std::uint32_t>(i));
        const auto f = tcp_frame(from.mac, to.mac, src, to.addr, h);
        lan.inject(from.index, f);
    }
}

bool is_syn_ack_to(const Frame& f, std::uint16_t port) {
    auto t = f.tcp();
    return t && t->flags == (tcp::flag::SYN | tcp::flag::ACK) && t->dst_port == port;
}

std::string recv_all(Lan& lan, Node& n, host::SocketId id, std::size_t want) {
    std::string got;
    lan.run_until([&] {
        std::array<std::uint8_t, 4096> buf{};
        while (std::size_t k = n.host.recv(id, buf, lan.now)) got.append(reinterpret_cast<char*>(buf.data()), k);
        return got.size() >= want;
    }, 5s);
    return got;
}

struct Flooded {
    Lan lan;
    Node& a;
    Node& b;
    Node& c;
    host::SocketId listener = 0;
    explicit Flooded(host::Config acfg = Lan::default_config())
        : a(lan.add(kA, 1, acfg)), b(lan.add(kB, 2)), c(lan.add(kC, 3)) {
        auto l = b.host.listen(0, 80, 1, {});  // SYN queue: 16
        REQUIRE(l);
        listener = l.value;
        warm_arp(lan, a, b);
        flood(lan, c, b, 40);
        lan.run_for(10ms);
        REQUIRE(b.host.connections() == 16);  // the SYN queue is full
        REQUIRE(b.host.counters().syn_cookies_sent == 24);
    }
    // A connects; B's SYN-ACK is a cookie and B keeps nothing until A's ACK.
    host::SocketId connect(std::uint16_t port) {
        const auto cookies = b.host.counters().syn_cookies_sent;
        const std::size_t first = lan.wire.size();
        auto c = a.host.connect({kA, port, kB, 80}, {}, lan.now, 0s);
        REQUIRE(c);
        REQUIRE(lan.run_until([&] { return !lan.frames([&](const Frame& f) { return is_syn_ack_to(f, port); }, first).empty(); }, 1s));
        CHECK(b.host.counters().syn_cookies_sent == cookies + 1);
        CHECK(b.host.connections() == 16);
        // The SYN-ACK: ACK = A's ISN + 1; its ISS names MSS class 3 (1460)
        // and the counter of period 0 in its low bits.
        auto syn = lan.frames([&](const Frame& f) { return f.from == 0 && f.tcp() && f.tcp()->flags == tcp::flag::SYN && f.tcp()->src_port == port; }, first);
        auto sa = lan.frames([&](const Frame& f) { return is_syn_ack_to(f, port); }, first);
        REQUIRE(syn.size() == 1);
        REQUIRE(sa.size() == 1);
        CHECK(sa[0]->tcp()->ack == syn[0]->tcp()->seq + 1);
        CHECK((sa[0]->tcp()->seq & 7) == 3);
        CHECK(((sa[0]->tcp()->seq >> 3) & 31) == tcp::cookie::counter_at(lan.now) % 32);
        CHECK(b.host.counters().syn_cookies_valid == 0);
        REQUIRE(lan.run_until([&] { return a.host.status(c.value)->established; }, 1s));
        lan.run_for(1ms);
        CHECK(b.host.counters().syn_cookies_valid == 1);
        CHECK(b.host.connections() == 17);
        return c.value;
    }
    host::Accepted accept() {
        host::Accepted got;
        lan.run_until([&] {
            got = b.host.accept(listener).value;
            return got.id != 0;
        }, 1s);
        REQUIRE(got.id != 0);
        return got;
    }
};

// An out-of-order segment on A's connection, 100 bytes ahead of what B
// expects, injected by hand: B's duplicate ACK tells whether SACK is on.
tcp::Header ooo_reply(Flooded& f, std::uint16_t port) {
    auto fs = f.lan.frames([&](const Frame& fr) { return fr.from == 0 && fr.tcp() && fr.tcp()->src_port == port; });
    REQUIRE(!fs.empty());
    tcp::Header h = *fs.back()->tcp();  // A's ACK of the SYN-ACK: SEQ = RCV.NXT at B
    h.seq += 100;
    h.flags = tcp::flag::ACK | tcp::flag::PSH;
    h.options.sack_count = 0;
    if (h.options.timestamps) h.options.timestamps->val += 1;
    const std::size_t first = f.lan.wire.size();
    f.lan.inject(0, tcp_frame(f.a.mac, f.b.mac, kA, kB, h, "0123456789"));
    f.lan.run_for(1ms);
    auto r = f.lan.frames([&](const Frame& fr) { return fr.from == 1 && fr.tcp() && fr.tcp()->dst_port == port; }, first);
    REQUIRE(!r.empty());
    return *r.front()->tcp();
}

}  // namespace

TEST_CASE("host sim: RFC 4987 3.3 with the SYN queue flooded, a client connects by SYN cookie, talks and closes") {
    Flooded f;
    const auto c = f.connect(40000);
    const auto acc = f.accept();
    CHECK(acc.tuple.remote_port == 40000);
    CHECK(f.b.host.status(acc.id)->state == tcp::State::Established);
    const std::string big(100000, 'x');
    std::size_t sent = 0;
    f.lan.run_until([&] {
        sent += f.a.host.send(c, base::Bytes(reinterpret_cast<const std::uint8_t*>(big.data()) + sent, big.size() - sent), f.lan.now);
        return sent == big.size();
    }, 5s);
    CHECK(recv_all(f.lan, f.b, acc.id, big.size()) == big);
    REQUIRE(f.b.host.send(acc.id, span_of("world"), f.lan.now) == 5);
    CHECK(recv_all(f.lan, f.a, c, 5) == "world");
    f.a.host.close(c, f.lan.now, 0s);
    REQUIRE(f.lan.run_until([&] { return f.b.host.status(acc.id)->eof; }, 1s));
    f.b.host.close(acc.id, f.lan.now, 0s);
    REQUIRE(f.lan.run_until([&] { return f.a.host.status(c)->state == tcp::State::TimeWait; }, 1s));
    f.lan.run_until([&] { return f.b.host.status(acc.id)->state == tcp::State::Closed; }, 1s);
    CHECK(f.b.host.status(acc.id)->state == tcp::State::Closed);
    CHECK(f.b.host.status(acc.id)->error == host::Err::Closed);
    CHECK(f.b.host.counters().resets_sent == 0);
}

TEST_CASE("host sim: RFC 4987 3.3 under cookies, with timestamps window scale and SACK survive") {
    Flooded f;
    const std::size_t first = f.lan.wire.size();
    f.connect(40000);
    auto sa = f.lan.frames([](const Frame& fr) { return is_syn_ack_to(fr, 40000); }, first);
    REQUIRE(sa.size() == 1);
    const auto o = sa[0]->tcp()->options;
    CHECK(o.timestamps.has_value());
    CHECK(o.wscale == std::optional<std::uint8_t>(3));  // 256 KiB of receive buffer
    CHECK(o.sack_permitted);
    // The wscale and SACK bits ride in TSval's low bits: 3 (A's shift), SACK.
    CHECK((o.timestamps->val & 0x1f) == (3 | 0x10));
    f.accept();
    const tcp::Header r = ooo_reply(f, 40000);
    // B's window is scaled: the 65535 its SYN-ACK offered (its initial
    // 64 KiB RCV.BUFF, less than one MSS of room more), >> 3.
    CHECK(r.window == 65535 >> 3);
    CHECK(r.options.sack_count == 1);
    CHECK(r.options.timestamps.has_value());
}

TEST_CASE("host sim: RFC 4987 3.3 under cookies, without timestamps there is no window scale and no SACK") {
    auto acfg = Lan::default_config();
    acfg.tcp.timestamps = false;
    Flooded f(acfg);
    const std::size_t first = f.lan.wire.size();
    const auto c = f.connect(40000);
    auto sa = f.lan.frames([](const Frame& fr) { return is_syn_ack_to(fr, 40000); }, first);
    REQUIRE(sa.size() == 1);
    const auto o = sa[0]->tcp()->options;
    CHECK(!o.timestamps);
    CHECK(!o.wscale);
    CHECK(!o.sack_permitted);
    CHECK(o.mss == std::optional<std::uint16_t>(1460));
    const auto acc = f.accept();
    const tcp::Header r = ooo_reply(f, 40000);
    CHECK(r.window == 65535);  // unscaled
    CHECK(r.options.sack_count == 0);
    CHECK(!r.options.timestamps);
    // It still carries data both ways.
    REQUIRE(f.b.host.send(acc.id, span_of("hello"), f.lan.now) == 5);
    CHECK(recv_all(f.lan, f.a, c, 5) == "hello");
}

TEST_CASE("host sim: RFC 9293 3.10.7.2 a forged or expired cookie ACK draws <SEQ=SEG.ACK><CTL=RST> and makes nothing") {
    Flooded f;
    // A SYN crafted from A's address and a port A has no connection on: B's
    // cookie SYN-ACK reaches A (which resets it; a listener ignores RSTs).
    const std::size_t first = f.lan.wire.size();
    const tcp::Header s = syn_to_b(50000, 777);
    f.lan.inject(0, tcp_frame(f.a.mac, f.b.mac, kA, kB, s));
    f.lan.run_for(1ms);
    auto sa = f.lan.frames([](const Frame& fr) { return is_syn_ack_to(fr, 50000); }, first);
    REQUIRE(sa.size() == 1);
    const tcp::Seq cookie = sa[0]->tcp()->seq;
    const tcp::Timestamps ts{1001, sa[0]->tcp()->options.timestamps->val};
    auto ack = [&](tcp::Seq ack_no) {
        tcp::Header h;
        h.src_port = 50000;
        h.dst_port = 80;
        h.seq = 778;
        h.ack = ack_no;
        h.flags = tcp::flag::ACK;
        h.window = 1000;
        h.options.timestamps = ts;
        return tcp_frame(f.a.mac, f.b.mac, kA, kB, h);
    };
    auto send_and_expect_rst = [&](tcp::Seq ack_no) {
        const std::size_t from = f.lan.wire.size();
        const auto resets = f.b.host.counters().resets_sent;
        const auto invalid = f.b.host.counters().syn_cookies_invalid;
        const auto conns = f.b.host.connections();
        f.lan.inject(0, ack(ack_no));
        f.lan.run_for(1ms);
        auto rst = f.lan.frames([](const Frame& fr) { return fr.from == 1 && fr.tcp() && fr.tcp()->flags == tcp::flag::RST && fr.tcp()->dst_port == 50000; }, from);
        REQUIRE(rst.size() == 1);
        CHECK(rst[0]->tcp()->seq == ack_no);
        CHECK(f.b.host.counters().resets_sent == resets + 1);
        CHECK(f.b.host.counters().syn_cookies_invalid == invalid + 1);
        CHECK(f.b.host.connections() <= conns);
    };
    SUBCASE("a wrong cookie") {
        send_and_expect_rst(cookie + 1 + 8);        // another counter
        send_and_expect_rst(cookie + 1 + 0x100);    // another hash
        send_and_expect_rst(cookie + 1 + 1);        // another MSS class
        CHECK(f.b.host.counters().syn_cookies_valid == 0);
    }
    SUBCASE("after the secret rotated twice (two 64 s periods), the right cookie is refused") {
        f.lan.run_for(2 * tcp::cookie::kPeriod);
        // The flood goes on (B checks ACKs for cookies only while it sends
        // them): the cookie fails by its age, not for want of an overflow.
        flood(f.lan, f.c, f.b, 40, 1000);
        f.lan.run_for(10ms);
        REQUIRE(f.b.host.counters().syn_cookies_sent > 24);
        send_and_expect_rst(cookie + 1);
        CHECK(f.b.host.counters().syn_cookies_valid == 0);
    }
    SUBCASE("within one rotation the right cookie opens the connection, ESTABLISHED at once") {
        f.lan.run_for(tcp::cookie::kPeriod);
        const auto conns = f.b.host.connections();
        f.lan.inject(0, ack(cookie + 1));
        f.lan.run_for(1ms);
        CHECK(f.b.host.counters().syn_cookies_valid == 1);
        CHECK(f.b.host.connections() == conns + 1);
        const auto acc = f.accept();
        CHECK(acc.tuple.remote_port == 50000);
        CHECK(f.b.host.status(acc.id)->state == tcp::State::Established);
    }
}

TEST_CASE("host sim: RFC 4987 3.3 10,000 spoofed SYNs leave B's state bounded by the SYN queue") {
    Lan lan;
    auto& b = lan.add(kB, 2);
    auto& c = lan.add(kC, 3);
    auto l = b.host.listen(0, 80, 1, {});
    REQUIRE(l);
    lan.wire.reserve(1024);
    lan.run_for(10ms);
    lan.wire.clear();
    const std::int64_t before = alloc_count::live_bytes();
    std::int64_t at_6000 = 0;
    std::size_t most = 0;
    for (int round = 0; round < 100; ++round) {  // 100 SYNs every 10 ms: 10,000 in 1 s
        flood(lan, c, b, 100, round * 100);
        lan.run_for(10ms);
        most = std::max(most, b.host.connections());
        lan.wire.clear();  // the test's own record of frames
        if (round == 59) at_6000 = alloc_count::live_bytes() - before;
    }
    const std::int64_t grown = alloc_count::live_bytes() - before;
    MESSAGE("10,000 spoofed SYNs: " << most << " connections at most; heap grew by " << at_6000
            << " bytes after 6,000, " << grown << " after 10,000 (of which the SYN-ACKs ARP holds"
            << " for the spoofed addresses: " << b.host.arp(b.ifindex)->queued_bytes()
            << " bytes); cookies sent " << b.host.counters().syn_cookies_sent);
    CHECK(most == 16);
    CHECK(b.host.counters().syn_cookies_sent == 10000 - 16);
    // What grows is the 16 half-open connections and ARP's queue for the
    // spoofed neighbours, which fills to its bound (ArpConfig) within a few
    // thousand SYNs; then nothing more.
    CHECK(grown < 1024 * 1024);
    CHECK(grown - at_6000 < 16 * 1024);
}
