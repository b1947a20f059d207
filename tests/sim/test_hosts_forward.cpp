// The host as a router (RFC 1812), on two simulated Ethernets:
//
//   h1 10.1.0.2 --- lan1 --- 10.1.0.1 [router] 10.2.0.1 --- lan2 --- h2 10.2.0.2
//
// h1 and h2 route everything through the router (their default gateway).
#include "hosts.hpp"

#include "ip/checksum.hpp"

using namespace simhost;

namespace {

constexpr std::uint32_t kH1 = 0x0a010002, kR1 = 0x0a010001, kR2 = 0x0a020001, kH2 = 0x0a020002;

struct Routed {
    Lan lan1, lan2;
    Node* h1 = nullptr;
    Node* r1 = nullptr;  // the router's interface on lan1 (its host)
    Node* r2 = nullptr;  // and on lan2
    Node* h2 = nullptr;

    explicit Routed(bool forward = true, std::size_t mtu2 = 1514) {
        auto rc = Lan::default_config();
        rc.forward = forward;
        h1 = &lan1.add(kH1, 1);
        r1 = &lan1.add(kR1, 10, rc);
        r2 = &lan2.attach(r1->host, kR2, 11, mtu2);
        h2 = &lan2.add(kH2, 2, Lan::default_config(), {}, mtu2);
        REQUIRE(h1->host.set_default_gateway(kR1));
        REQUIRE(h2->host.set_default_gateway(kR2));
    }
    bool run(const std::function<bool()>& done, host::Duration limit = 5s) {
        return run_lans_until({&lan1, &lan2}, done, limit);
    }
    host::Host& router() { return r1->host; }
    // An ICMP echo from h1 to `dst` as h1 would send it, with `ttl`, DF and
    // `data_len` bytes of data, straight onto lan1 addressed to the router.
    void inject_echo(std::uint32_t dst, std::uint8_t ttl, bool df, std::size_t data_len,
                     const l2::MacAddr* eth_dst = nullptr, std::uint32_t src = kH1) {
        ip::IcmpMessage m;
        m.type = ip::icmp_type::Echo;
        m.id = 77;
        m.seq = 1;
        const std::vector<std::uint8_t> data(data_len, 0x5a);
        m.data = data;
        std::vector<std::uint8_t> f(l2::kEthHeaderLen + ip::kIpv4HeaderLen + 8 + data_len);
        l2::build_ethernet_header(f, {eth_dst ? *eth_dst : r1->mac, h1->mac, l2::ethertype::IPv4});
        base::MutBytes out = base::MutBytes(f).subspan(l2::kEthHeaderLen);
        REQUIRE(ip::build_icmp(out.subspan(ip::kIpv4HeaderLen), m) == 8 + data_len);
        ip::Ipv4Header ih;
        ih.total_length = static_cast<std::uint16_t>(out.size());
        ih.protocol = ip::kProtoIcmp;
        ih.ttl = ttl;
        ih.df = df;
        ih.id = 4242;
        ih.src = src;
        ih.dst = dst;
        ip::build_ipv4_header(out, ih);
        lan1.inject(h1->index, f);
    }
    // IPv4 frames the router sent on a Lan.
    static std::vector<const Frame*> from(const Lan& lan, const Node& n) {
        return lan.frames([&](const Frame& x) { return x.from == n.index && x.ip(); });
    }
};

// A ping socket's answer (reply or error) at h1.
std::optional<host::Datagram> ping(Routed& t, std::uint32_t dst, std::size_t len = 56,
                                   host::Duration limit = 5s) {
    auto p = t.h1->host.ping_open(t.lan1.now);
    REQUIRE(p.err == host::Err::None);
    std::vector<std::uint8_t> data(len, 0x33);
    REQUIRE(t.h1->host.send_to(p.value.first, dst, 1, data, t.lan1.now) == host::Err::None);
    std::optional<host::Datagram> got;
    t.run([&] { return (got = t.h1->host.recv_from(p.value.first)).has_value(); }, limit);
    t.h1->host.dgram_close(p.value.first);
    return got;
}

}  // namespace

TEST_CASE("forward sim: RFC 1812 5.3.1 a ping crosses the router, TTL one less, header checksum valid") {
    Routed t;
    auto got = ping(t, kH2);
    REQUIRE(got);
    CHECK(got->err == host::Err::None);
    CHECK(got->addr == kH2);
    CHECK(got->ttl == 63);  // h2's 64, less the router's one
    auto out = Routed::from(t.lan2, *t.r2);
    REQUIRE(!out.empty());
    const Frame& f = *out.front();
    CHECK(f.ip()->src == kH1);  // Frame::ip() verifies the header checksum
    CHECK(f.ip()->ttl == 63);
    CHECK(ip::checksum(f.eth()->payload.first(ip::kIpv4HeaderLen)) == 0);
    CHECK(f.icmp()->type == ip::icmp_type::Echo);
    const auto c = t.router().counters();
    CHECK(c.forwarded == 2);  // the echo and its reply
    CHECK(c.echo_replies == 0);
}

TEST_CASE("forward sim: RFC 1812 5.3.1 TTL 1 draws Time Exceeded from the incoming interface's address") {
    Routed t;
    t.inject_echo(kH2, 1, false, 32);
    t.run([&] { return t.router().counters().forward_ttl_exceeded == 1 && !Routed::from(t.lan1, *t.r1).empty(); });
    CHECK(Routed::from(t.lan2, *t.r2).empty());  // nothing forwarded
    auto back = Routed::from(t.lan1, *t.r1);
    REQUIRE(back.size() == 1);
    CHECK(back[0]->ip()->src == kR1);  // RFC 1812 4.3.2.4
    CHECK(back[0]->ip()->dst == kH1);
    CHECK(back[0]->icmp()->type == ip::icmp_type::TimeExceeded);
    CHECK(back[0]->icmp()->code == ip::time_exceeded::TtlInTransit);
    // A TTL of 2 makes it: one hop is enough.
    t.inject_echo(kH2, 2, false, 32);
    t.run([&] { return !Routed::from(t.lan2, *t.r2).empty(); });
    CHECK(Routed::from(t.lan2, *t.r2).front()->ip()->ttl == 1);
}

TEST_CASE("forward sim: RFC 1812 5.2.7.1 no route draws Network Unreachable") {
    Routed t;
    auto got = ping(t, 0x0a030005);  // 10.3.0.5: the router has no route there
    REQUIRE(got);
    CHECK(got->err == host::Err::Unreachable);
    CHECK(got->addr == kR1);
    CHECK(t.router().counters().forward_no_route == 1);
    auto back = Routed::from(t.lan1, *t.r1);
    REQUIRE(!back.empty());
    CHECK(back.back()->icmp()->code == ip::unreachable::Net);
}

TEST_CASE("forward sim: RFC 1812 5.2.7.1 a next hop that never answers ARP draws Host Unreachable") {
    Routed t;
    auto got = ping(t, 0x0a020063, 56, 10s);  // 10.2.0.99: on lan2, nobody there
    REQUIRE(got);
    CHECK(got->err == host::Err::Unreachable);
    CHECK(got->addr == kR1);
    CHECK(t.router().counters().forward_host_unreachable == 1);
    CHECK(Routed::from(t.lan1, *t.r1).back()->icmp()->code == ip::unreachable::Host);
}

TEST_CASE("forward sim: RFC 1191 4 DF and a narrower next link draw Fragmentation Needed with its MTU") {
    Routed t(true, 576 + 14);
    t.inject_echo(kH2, 64, true, 1000);
    t.run([&] { return !Routed::from(t.lan1, *t.r1).empty(); });
    auto back = Routed::from(t.lan1, *t.r1);
    REQUIRE(back.size() == 1);
    CHECK(back[0]->ip()->src == kR1);
    CHECK(back[0]->icmp()->type == ip::icmp_type::DestinationUnreachable);
    CHECK(back[0]->icmp()->code == ip::unreachable::FragmentationNeeded);
    CHECK(back[0]->icmp()->next_hop_mtu == 576);
    CHECK(Routed::from(t.lan2, *t.r2).empty());
    CHECK(t.router().counters().forward_frag_needed == 1);
}

TEST_CASE("forward sim: RFC 1812 5.2.6 without DF the router fragments to the next MTU; h2 reassembles and answers") {
    Routed t(true, 576 + 14);
    t.inject_echo(kH2, 64, false, 1000);
    // The reply (1028 bytes) is fragmented by h2 itself, reassembled by
    // nobody on the way (a router does not), and forwarded as fragments.
    t.run([&] {
        return !t.lan1.frames([&](const Frame& x) { return x.from == t.r1->index && x.ip() && x.ip()->src == kH2; }).empty();
    });
    auto out = Routed::from(t.lan2, *t.r2);
    REQUIRE(out.size() == 2);
    for (const Frame* f : out) {
        CHECK(f->ip()->total_length <= 576);
        CHECK(f->ip()->ttl == 63);
    }
    CHECK(out[0]->ip()->mf);
    CHECK(!out[1]->ip()->mf);
    CHECK(t.h2->host.counters().reassembled == 1);
    CHECK(t.h2->host.counters().echo_replies == 1);
    CHECK(t.router().counters().forward_fragmented == 1);
    CHECK(t.router().counters().reassembled == 0);
}

TEST_CASE("forward sim: RFC 1812 5.3.4, 5.3.5, 5.3.7 broadcasts and martians are not forwarded") {
    Routed t;
    warm_arp(t.lan2, *t.h2, *t.r2);
    const std::size_t first = t.lan2.wire.size();
    t.inject_echo(0x0a0200ff, 64, false, 8);           // lan2's directed broadcast
    t.inject_echo(0xffffffff, 64, false, 8);           // the limited broadcast
    t.inject_echo(kH2, 64, false, 8, &l2::kBroadcastMac);  // a link-layer broadcast
    t.inject_echo(kH2, 64, false, 8, nullptr, 0x7f000001);  // from 127.0.0.1
    t.inject_echo(0xf0000001, 64, false, 8);           // to class E
    t.run([] { return false; }, 1s);
    CHECK(t.router().counters().forward_refused == 4);  // the limited broadcast is ours, not a transit one
    CHECK(t.router().counters().forwarded == 0);
    CHECK(t.lan2.frames([&](const Frame& x) { return x.from == t.r2->index && x.ip(); }, first).empty());
}

TEST_CASE("forward sim: forwarding off, a datagram for another host is dropped and counted") {
    Routed t(false);
    auto got = ping(t, kH2, 56, 2s);
    CHECK(!got);
    CHECK(Routed::from(t.lan2, *t.r2).empty());
    CHECK(t.router().counters().forwarded == 0);
    CHECK(t.router().counters().not_for_us >= 1);
}

TEST_CASE("forward sim: a TCP transfer from h1 to h2 across the router arrives byte for byte") {
    Routed t;
    std::vector<std::uint8_t> data(200000), got;
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + (i >> 8));
    auto l = t.h2->host.listen(0, 80, 8, {});
    auto c = t.h1->host.connect({kH1, 40000, kH2, 80}, {}, t.lan1.now, 0s).value;
    host::SocketId s = 0;
    REQUIRE(t.run([&] { return (s = t.h2->host.accept(l.value).value.id) != 0; }));
    std::size_t sent = 0;
    std::vector<std::uint8_t> buf(65536);
    t.run([&] {
        if (sent < data.size()) sent += t.h1->host.send(c, base::Bytes(data).subspan(sent), t.lan1.now);
        while (std::size_t n = t.h2->host.recv(s, buf, t.lan2.now)) got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        return got.size() == data.size();
    }, 30s);
    CHECK(got == data);
    CHECK(t.router().counters().forwarded > 100);
}

TEST_CASE("forward sim: RFC 1624 the incrementally updated header checksum is right for every TTL") {
    Routed t;
    warm_arp(t.lan2, *t.h2, *t.r2);
    const std::size_t first = t.lan2.wire.size();
    for (unsigned ttl = 2; ttl <= 255; ++ttl) t.inject_echo(kH2, static_cast<std::uint8_t>(ttl), ttl % 2 == 0, 8 + ttl);
    t.run([] { return false; }, 1s);
    // Frame::ip() verifies the header checksum: a wrong one is no IPv4 frame.
    auto out = t.lan2.frames([&](const Frame& x) {
        return x.from == t.r2->index && x.ip() && x.ip()->src == kH1 && x.icmp() && x.icmp()->type == ip::icmp_type::Echo;
    }, first);
    REQUIRE(out.size() == 254);
    for (std::size_t i = 0; i < out.size(); ++i) CHECK(out[i]->ip()->ttl == i + 1);
}

TEST_CASE("forward sim: RFC 1812 4.3.2.8 Time Exceeded shares the host's ICMP error token bucket") {
    Routed t;
    warm_arp(t.lan1, *t.h1, *t.r1);
    for (int i = 0; i < 100; ++i) t.inject_echo(kH2, 1, false, 8);
    t.run([] { return false; }, 100ms);
    const auto c = t.router().counters();
    CHECK(c.forward_ttl_exceeded == 100);
    CHECK(c.icmp_errors_sent == 50);  // the bucket's burst
    CHECK(c.icmp_errors_rate_limited == 50);
}
