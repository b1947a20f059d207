// Whole hosts on a simulated Ethernet (tests/sim/hosts.hpp), virtual time:
// ARP (RFC 826, RFC 1122 2.3.2), IPv4 fragmentation and reassembly (RFC 791
// 3.2, RFC 815, RFC 1122 3.3.2) and ICMP errors (RFC 792, RFC 1122 3.2.2,
// 4.1.3.3), with the frames on the wire asserted where the rule is about them.
#include "hosts.hpp"

using namespace simhost;

namespace {

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002, kNobody = 0x0a000009;

bool is_arp_request_for(const Frame& f, std::uint32_t ip) {
    auto a = f.arp();
    return a && a->op == l2::ArpOp::Request && a->tpa == ip && a->spa != ip;
}
bool is_arp_reply(const Frame& f) {
    auto a = f.arp();
    return a && a->op == l2::ArpOp::Reply;
}
bool is_syn(const Frame& f) {
    auto t = f.tcp();
    return t && t->flags == tcp::flag::SYN;
}

}  // namespace

TEST_CASE("host sim: RFC 5227 2.3 each host announces its address at start") {
    Lan lan;
    lan.add(kA, 1);
    lan.add(kB, 2);
    REQUIRE(lan.wire.size() == 2);
    for (int i = 0; i < 2; ++i) {
        auto a = lan.wire[static_cast<std::size_t>(i)].arp();
        REQUIRE(a);
        CHECK(a->op == l2::ArpOp::Request);
        CHECK(a->spa == a->tpa);  // our address as both sender and target
        CHECK(lan.wire[static_cast<std::size_t>(i)].eth()->header.dst == l2::kBroadcastMac);
    }
}

TEST_CASE("host sim: RFC 1122 2.3.2.2 the first SYN waits for ARP and is sent once the reply comes") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    const std::size_t start = lan.wire.size();
    REQUIRE(b.host.listen(0, 80, 16, {}));
    auto c = a.host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s);
    REQUIRE(c);
    REQUIRE(lan.run_until([&] { return a.host.status(c.value)->established; }, 5s));
    // Request, reply, then the one SYN: nothing was lost to ARP.
    const auto& w = lan.wire;
    REQUIRE(w.size() >= start + 4);
    CHECK(is_arp_request_for(w[start], kB));
    CHECK(w[start].eth()->header.dst == l2::kBroadcastMac);
    CHECK(is_arp_reply(w[start + 1]));
    CHECK(w[start + 1].from == b.index);
    CHECK(w[start + 1].eth()->header.dst == a.mac);  // unicast, to who asked
    CHECK(is_syn(w[start + 2]));
    CHECK(w[start + 2].eth()->header.dst == b.mac);
    CHECK(lan.frames(is_syn, start).size() == 1);
    // B learned A's MAC from the request (RFC 826's merge rule): it asked nothing.
    CHECK(lan.frames([](const Frame& f) { return is_arp_request_for(f, kA); }, start).empty());
    CHECK(a.host.arp(a.ifindex)->lookup(kB) == b.mac);
    CHECK(b.host.arp(b.ifindex)->lookup(kA) == a.mac);
}

TEST_CASE("host sim: RFC 1122 2.3.2.1 ARP gives up after three requests a second apart: Host Unreachable") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    const std::size_t start = lan.wire.size();
    auto c = a.host.connect({kA, 40000, kNobody, 80}, {}, lan.now, 0s);
    REQUIRE(c);
    lan.run_until([&] { return a.host.status(c.value)->state == tcp::State::Closed; }, 10s);
    auto st = a.host.status(c.value);
    REQUIRE(st);
    CHECK(st->error == host::Err::Unreachable);  // "no route to host", as Linux says
    const auto reqs = lan.frames([](const Frame& f) { return is_arp_request_for(f, kNobody); }, start);
    REQUIRE(reqs.size() == 3);
    CHECK(reqs[1]->at - reqs[0]->at == 1s);
    CHECK(reqs[2]->at - reqs[1]->at == 1s);
    CHECK(lan.frames(is_syn, start).empty());  // the SYN never left
    CHECK(lan.now == 3s);                       // 1 s after the third request
    CHECK(a.host.counters().arp_unresolved >= 1);  // the SYN (and its first retransmission)
}

TEST_CASE("host sim: RFC 1122 2.3.2.1 one unresolvable neighbour does not hold up another") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    auto u = a.host.udp_open(0, 5000, {});
    auto ub = b.host.udp_open(0, 7, {});
    REQUIRE(u);
    REQUIRE(ub);
    CHECK(a.host.send_to(u.value, kNobody, 7, span_of("lost"), lan.now) == host::Err::None);
    CHECK(a.host.send_to(u.value, kB, 7, span_of("found"), lan.now) == host::Err::None);
    REQUIRE(lan.run_until([&] { return b.host.counters().udp_in > 0; }, 1s));
    auto d = b.host.recv_from(ub.value);
    REQUIRE(d);
    CHECK(std::string(d->data.begin(), d->data.end()) == "found");
}

TEST_CASE("host sim: RFC 791 3.2 a 4000-byte echo is fragmented, reassembled and answered in fragments") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    lan.add(kB, 2);
    auto p = a.host.ping_open(lan.now);
    REQUIRE(p);
    std::vector<std::uint8_t> data(4000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
    const std::size_t start = lan.wire.size();
    REQUIRE(a.host.send_to(p.value.first, kB, 1, data, lan.now) == host::Err::None);
    std::optional<host::Datagram> reply;
    lan.run_until([&] { return (reply = a.host.recv_from(p.value.first)).has_value(); }, 2s);
    REQUIRE(reply);
    CHECK(reply->err == host::Err::None);
    CHECK(reply->data == data);
    // Three fragments each way (1480 + 1480 + 1048 data bytes), none over the MTU.
    auto frags = lan.frames([](const Frame& f) { auto h = f.ip(); return h && h->is_fragment(); }, start);
    CHECK(frags.size() == 6);
    for (const Frame* f : frags) CHECK(f->ip()->total_length <= 1500);
}

TEST_CASE("host sim: RFC 815 reassembly with fragments reordered and duplicated on the wire") {
    l2::FaultConfig messy;
    messy.reorder_pct = 50;
    messy.reorder_jitter = 5ms;
    messy.duplicate_pct = 30;
    Lan lan;
    auto& a = lan.add(kA, 1, Lan::default_config(), messy);
    auto& b = lan.add(kB, 2);
    auto ua = a.host.udp_open(0, 5000, {});
    auto ub = b.host.udp_open(0, 7, {});
    std::vector<std::uint8_t> data(9000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i ^ (i >> 8));
    int got = 0;
    for (int round = 0; round < 10; ++round) {
        REQUIRE(a.host.send_to(ua.value, kB, 7, data, lan.now) == host::Err::None);
        lan.run_for(50ms);
        while (auto d = b.host.recv_from(ub.value)) {
            CHECK(d->data == data);
            ++got;
        }
    }
    CHECK(got == 10);  // duplicates of whole datagrams cannot happen: each id once
    CHECK(b.host.counters().reassembled == 10);
}

TEST_CASE("host sim: RFC 1122 3.3.2 a datagram missing a fragment times out with Time Exceeded") {
    l2::FaultConfig lose2;
    lose2.drop_nth = {4};  // A's 4th frame: ARP announce, ARP request, fragment 1, fragment 2
    Lan lan;
    auto& a = lan.add(kA, 1, Lan::default_config(), lose2);
    auto& b = lan.add(kB, 2);
    auto ua = a.host.udp_open(0, 5000, {});
    auto ub = b.host.udp_open(0, 7, {});
    std::vector<std::uint8_t> data(4000, 0x5a);
    REQUIRE(a.host.send_to(ua.value, kB, 7, data, lan.now) == host::Err::None);
    lan.run_for(29s);
    CHECK(!b.host.recv_from(ub.value));
    CHECK(b.host.counters().reassembly_bytes > 0);
    const std::size_t before = lan.wire.size();
    lan.run_for(2s);  // past the 30 s reassembly timeout
    CHECK(b.host.counters().reassembly_timed_out == 1);
    CHECK(b.host.counters().reassembly_bytes == 0);
    auto te = lan.frames([](const Frame& f) {
        auto m = f.icmp();
        return m && m->type == ip::icmp_type::TimeExceeded && m->code == ip::time_exceeded::Reassembly;
    }, before);
    REQUIRE(te.size() == 1);
    CHECK(te[0]->ip()->dst == kA);
    // A's UDP socket hears of it (RFC 1122 4.1.3.3), as a soft error.
    auto e = a.host.recv_from(ua.value);
    REQUIRE(e);
    CHECK(e->err == host::Err::Unreachable);
    CHECK(e->addr == kB);
    CHECK(e->port == 7);
}

TEST_CASE("host sim: RFC 1122 4.1.3.1 port unreachable reaches the socket that sent, and only it") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    auto s1 = a.host.udp_open(0, 5001, {});
    auto s2 = a.host.udp_open(0, 5002, {});
    REQUIRE(a.host.send_to(s1.value, kB, 9, span_of("anyone?"), lan.now) == host::Err::None);
    std::optional<host::Datagram> e;
    lan.run_until([&] { return (e = a.host.recv_from(s1.value)).has_value(); }, 1s);
    REQUIRE(e);
    CHECK(e->err == host::Err::Refused);
    CHECK(e->addr == kB);
    CHECK(e->port == 9);
    CHECK(!a.host.recv_from(s2.value));
    auto pu = lan.frames([](const Frame& f) {
        auto m = f.icmp();
        return m && m->type == ip::icmp_type::DestinationUnreachable && m->code == ip::unreachable::Port;
    });
    REQUIRE(pu.size() == 1);
    CHECK(pu[0]->from == b.index);
    CHECK(b.host.counters().udp_no_port == 1);
}

TEST_CASE("host sim: RFC 1122 3.2.2.1 an unknown protocol draws Protocol Unreachable; a broadcast draws nothing") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    lan.run_for(10ms);
    auto frame = [&](std::uint32_t dst, const l2::MacAddr& mac) {
        std::vector<std::uint8_t> f(l2::kEthHeaderLen + ip::kIpv4HeaderLen + 8, 0);
        l2::build_ethernet_header(f, {mac, a.mac, l2::ethertype::IPv4});
        ip::Ipv4Header h;
        h.total_length = ip::kIpv4HeaderLen + 8;
        h.protocol = 253;  // RFC 3692: for experimentation
        h.src = kA;
        h.dst = dst;
        ip::build_ipv4_header(base::MutBytes(f).subspan(l2::kEthHeaderLen), h);
        return f;
    };
    const std::size_t before = lan.wire.size();
    lan.inject(a.index, frame(kB, b.mac));
    lan.inject(a.index, frame(0x0a0000ff, l2::kBroadcastMac));  // RFC 1122 3.2.2: never about a broadcast
    lan.run_for(10ms);
    auto pu = lan.frames([](const Frame& f) {
        auto m = f.icmp();
        return m && m->type == ip::icmp_type::DestinationUnreachable && m->code == ip::unreachable::Protocol;
    }, before);
    REQUIRE(pu.size() == 1);
    CHECK(pu[0]->from == b.index);
    CHECK(pu[0]->ip()->dst == kA);
    CHECK(b.host.counters().icmp_errors_suppressed == 1);
}

TEST_CASE("host sim: RFC 1812 4.3.2.8 ICMP errors are rate-limited: a burst of 50, then 1000 a second") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    auto& b = lan.add(kB, 2);
    auto u = a.host.udp_open(0, 5000, {});
    REQUIRE(a.host.send_to(u.value, kB, 9, span_of("x"), lan.now) == host::Err::None);
    lan.run_for(10ms);  // ARP done; one port unreachable sent, and the bucket full again
    CHECK(b.host.counters().icmp_errors_sent == 1);
    for (int i = 0; i < 200; ++i) REQUIRE(a.host.send_to(u.value, kB, 9, span_of("x"), lan.now) == host::Err::None);
    lan.run_for(1ms);
    CHECK(b.host.counters().icmp_errors_sent == 1 + 50);
    CHECK(b.host.counters().icmp_errors_rate_limited == 150);
    lan.run_for(1s);  // the bucket refills (up to its burst)
    for (int i = 0; i < 200; ++i) REQUIRE(a.host.send_to(u.value, kB, 9, span_of("x"), lan.now) == host::Err::None);
    lan.run_for(1ms);
    CHECK(b.host.counters().icmp_errors_sent == 1 + 50 + 50);
}

TEST_CASE("host sim: RFC 1122 3.2.1.7 a ping socket's echoes leave with the TTL it was opened with") {
    Lan lan;
    auto& a = lan.add(kA, 1);
    lan.add(kB, 2);
    auto p = a.host.ping_open(lan.now, 7);
    REQUIRE(p);
    const std::size_t start = lan.wire.size();
    REQUIRE(a.host.send_to(p.value.first, kB, 1, span_of("ttl"), lan.now) == host::Err::None);
    std::optional<host::Datagram> reply;
    lan.run_until([&] { return (reply = a.host.recv_from(p.value.first)).has_value(); }, 2s);
    REQUIRE(reply);
    auto echoes = lan.frames([](const Frame& f) { auto m = f.icmp(); return m && m->type == ip::icmp_type::Echo; }, start);
    REQUIRE(echoes.size() == 1);
    CHECK(echoes.front()->ip()->ttl == 7);
    // The reply is the peer's own: its default TTL, not ours.
    CHECK(reply->ttl == 64);
}
