// Path MTU Discovery (RFC 1191, RFC 1122 4.2.3.11) validated as RFC 5927
// asks, between whole hosts on a simulated Ethernet (tests/sim/hosts.hpp):
// a "fragmentation needed" from a router stands in for a narrower hop.
#include "hosts.hpp"

using namespace simhost;

namespace {

constexpr std::uint32_t kA = OneWayTransfer::kA, kB = OneWayTransfer::kB, kRouter = 0x0a0000fe;

l2::FaultConfig rtt_10ms() {
    l2::FaultConfig w;
    w.delay = 5ms;  // a 10 ms RTT, so that data is in flight when the ICMP comes
    return w;
}

// A connection from A to B and the application data A sends over it.
struct Transfer : OneWayTransfer {
    Transfer() : OneWayTransfer(300000, rtt_10ms(), rtt_10ms()) {}
    // The last data segment A sent: what a router would have quoted.
    const Frame* last_data() const {
        auto f = lan.frames([](const Frame& x) { return x.from == 0 && x.tcp() && x.ip()->total_length > 100; });
        return f.empty() ? nullptr : f.back();
    }
    // "Fragmentation needed" (type 3 code 4, RFC 1191 4) about `quoted`, from a router.
    void frag_needed(const Frame& quoted, std::uint16_t mtu, std::uint32_t seq_delta = 0) {
        std::vector<std::uint8_t> q(quoted.eth()->payload.begin(), quoted.eth()->payload.begin() + 28);
        if (seq_delta) base::put_u32(q.data() + 24, base::get_u32(q.data() + 24) + seq_delta);
        ip::IcmpMessage m;
        m.type = ip::icmp_type::DestinationUnreachable;
        m.code = ip::unreachable::FragmentationNeeded;
        m.next_hop_mtu = mtu;
        m.data = q;
        std::vector<std::uint8_t> f(l2::kEthHeaderLen + ip::kIpv4HeaderLen + 8 + q.size());
        l2::build_ethernet_header(f, {a->mac, b->mac, l2::ethertype::IPv4});
        base::MutBytes out = base::MutBytes(f).subspan(l2::kEthHeaderLen);
        REQUIRE(ip::build_icmp(out.subspan(ip::kIpv4HeaderLen), m) == 8 + q.size());
        ip::Ipv4Header ih;
        ih.total_length = static_cast<std::uint16_t>(out.size());
        ih.protocol = ip::kProtoIcmp;
        ih.src = kRouter;
        ih.dst = kA;
        ip::build_ipv4_header(out, ih);
        a->host.on_frame(a->ifindex, f, false, lan.now);
    }
    std::size_t largest_from_a(std::size_t from) const {
        std::size_t n = 0;
        for (const Frame* f : lan.frames([](const Frame& x) { return x.from == 0 && x.tcp(); }, from))
            n = std::max<std::size_t>(n, f->ip()->total_length);
        return n;
    }
};

}  // namespace

TEST_CASE("host sim: RFC 1191 fragmentation needed for a segment in flight lowers the MSS; the transfer completes") {
    Transfer t;
    t.pump(12ms);
    const Frame* q = t.last_data();
    REQUIRE(q);
    CHECK(q->ip()->total_length == 1500);
    CHECK(q->ip()->df);
    const std::size_t before = t.lan.wire.size();
    t.frag_needed(*q, 1000);
    CHECK(t.a->host.path_mtu_estimate(kB) == 1000u);
    CHECK(t.a->host.counters().pmtu_lowered == 1);
    t.pump(20s);
    CHECK(t.got == t.data);
    // Everything A sent after the ICMP fits the 1000-byte hop.
    CHECK(t.largest_from_a(before) <= 1000);
    CHECK(t.largest_from_a(before) > 900);
    CHECK(t.a->host.counters().pmtu_ignored == 0);
}

TEST_CASE("host sim: RFC 5927 4.1 a fragmentation needed quoting a sequence number not in flight changes nothing") {
    Transfer t;
    t.pump(12ms);
    const Frame* q = t.last_data();
    REQUIRE(q);
    const std::size_t before = t.lan.wire.size();
    t.frag_needed(*q, 600, 10000000);  // far beyond SND.NXT: forged
    CHECK(!t.a->host.path_mtu_estimate(kB));
    CHECK(t.a->host.counters().pmtu_ignored == 1);
    t.pump(20s);
    CHECK(t.got == t.data);
    CHECK(t.largest_from_a(before) == 1500);
}

TEST_CASE("host sim: RFC 1191 6.3 the estimate ages out after 10 minutes and the path is tried at full size again") {
    Transfer t;
    t.pump(12ms);
    t.frag_needed(*t.last_data(), 1200);
    t.pump(20s);
    REQUIRE(t.got == t.data);
    t.lan.run_for(std::chrono::minutes(9));
    CHECK(t.a->host.path_mtu_estimate(kB) == 1200u);
    t.lan.run_for(std::chrono::minutes(2));
    CHECK(!t.a->host.path_mtu_estimate(kB));
    // More data: full-size segments again.
    t.got.clear();
    t.sent = 0;
    const std::size_t before = t.lan.wire.size();
    t.pump(20s);
    CHECK(t.got == t.data);
    CHECK(t.largest_from_a(before) == 1500);
}

TEST_CASE("host sim: RFC 1191 7 a router that gives no MTU: the next plateau below the datagram") {
    Transfer t;
    t.pump(12ms);
    t.frag_needed(*t.last_data(), 0);
    CHECK(t.a->host.path_mtu_estimate(kB) == 1492u);  // the plateau below 1500
}

TEST_CASE("host sim: RFC 1191 our own UDP datagrams are fragmented to the path MTU once it is known") {
    Transfer t;
    t.pump(12ms);
    t.frag_needed(*t.last_data(), 1000);
    REQUIRE(t.a->host.path_mtu_estimate(kB) == 1000u);
    auto u = t.a->host.udp_open(0, 5000, {});
    auto ub = t.b->host.udp_open(0, 7, {});
    std::vector<std::uint8_t> big(2500, 0x42);
    const std::size_t before = t.lan.wire.size();
    REQUIRE(t.a->host.send_to(u.value, kB, 7, big, t.lan.now) == host::Err::None);
    std::optional<host::Datagram> d;
    t.lan.run_until([&] { return (d = t.b->host.recv_from(ub.value)).has_value(); }, 1s);
    REQUIRE(d);
    CHECK(d->data == big);
    auto frags = t.lan.frames([](const Frame& f) {
        auto h = f.ip();
        return f.from == 0 && h && h->protocol == ip::kProtoUdp;
    }, before);
    REQUIRE(frags.size() == 3);  // 976 + 976 + 556 data bytes, each packet at most 1000
    for (const Frame* f : frags) CHECK(f->ip()->total_length <= 1000);
}
