// The ARP resolver and cache (RFC 826, RFC 1122 2.3.2) on a virtual clock:
// answering, learning, queueing the first packet, retries and giving up,
// queue bounds, aging and refresh, gratuitous ARP, static entries.
#include <doctest/doctest.h>

#include <string>

#include "link/arp_cache.hpp"

using namespace std::chrono_literals;
using l2::ArpOp;
using l2::ArpPacket;
using l2::MacAddr;
using Buf = std::vector<std::uint8_t>;

namespace {
const MacAddr kOurMac{{0x02, 0, 0, 0, 0, 0x01}};
const MacAddr kMacB{{0x02, 0, 0, 0, 0, 0x0b}};
const MacAddr kMacC{{0x02, 0, 0, 0, 0, 0x0c}};
constexpr std::uint32_t kOurIp = 0x0a000001;  // 10.0.0.1
constexpr std::uint32_t kB = 0x0a000002;
constexpr std::uint32_t kC = 0x0a000003;

// Records everything the cache sends.
struct Sink : l2::ArpSink {
    struct Arp {
        MacAddr eth_dst;
        ArpPacket packet;
    };
    struct Ip {
        MacAddr eth_dst;
        Buf packet;
    };
    struct Lost {
        std::uint32_t next_hop;
        Buf packet;
    };
    std::vector<Arp> arps;
    std::vector<Ip> sent;
    std::vector<Lost> lost;
    void send_arp(const MacAddr& d, const ArpPacket& p) override { arps.push_back({d, p}); }
    void send_ipv4(const MacAddr& d, base::Bytes p) override { sent.push_back({d, Buf(p.begin(), p.end())}); }
    void unresolved(std::uint32_t h, base::Bytes p) override { lost.push_back({h, Buf(p.begin(), p.end())}); }
};

ArpPacket request_from(const MacAddr& sha, std::uint32_t spa, std::uint32_t tpa) {
    return ArpPacket{ArpOp::Request, sha, spa, MacAddr{}, tpa};
}
ArpPacket reply_from(const MacAddr& sha, std::uint32_t spa) {
    return ArpPacket{ArpOp::Reply, sha, spa, kOurMac, kOurIp};
}
Buf pkt(std::size_t n, std::uint8_t tag) { return Buf(n, tag); }

struct Fixture {
    Sink sink;
    l2::ArpCache arp;
    explicit Fixture(l2::ArpConfig c = {}) : arp(kOurMac, kOurIp, sink, c) {}
};
}  // namespace

TEST_CASE("arp: RFC 826: a request for our address is answered to the asker alone, and the asker learned") {
    Fixture f;
    f.arp.on_arp(request_from(kMacB, kB, kOurIp), 0s);
    REQUIRE(f.sink.arps.size() == 1);
    CHECK(f.sink.arps[0].eth_dst == kMacB);  // unicast, not broadcast
    const ArpPacket& r = f.sink.arps[0].packet;
    CHECK(r.op == ArpOp::Reply);
    CHECK(r.sha == kOurMac);
    CHECK(r.spa == kOurIp);
    CHECK(r.tha == kMacB);
    CHECK(r.tpa == kB);
    CHECK(f.arp.lookup(kB) == kMacB);
    CHECK(f.arp.counters().learned == 1);
    CHECK(f.arp.counters().replies_sent == 1);
    // So our answer to B needs no request of our own.
    CHECK(f.arp.send(kB, pkt(40, 1), 1s) == l2::ArpCache::Sent::Now);
    CHECK(f.sink.arps.size() == 1);
}

TEST_CASE("arp: RFC 826: a request for someone else gets no reply and teaches us nothing new") {
    Fixture f;
    f.arp.on_arp(request_from(kMacB, kB, kC), 0s);
    CHECK(f.sink.arps.empty());
    CHECK_FALSE(f.arp.lookup(kB));
    CHECK(f.arp.size() == 0);
}

TEST_CASE("arp: RFC 826 merge: a known sender's new MAC is taken from any packet, even one not for us") {
    Fixture f;
    f.arp.on_arp(request_from(kMacB, kB, kOurIp), 0s);
    f.arp.on_arp(request_from(kMacC, kB, kB), 5s);  // B's gratuitous ARP with a new card
    CHECK(f.arp.lookup(kB) == kMacC);
    CHECK(f.arp.counters().updated == 1);
}

TEST_CASE("arp: RFC 5227 probe (sender 0.0.0.0) for our address is answered but not learned") {
    Fixture f;
    f.arp.on_arp(request_from(kMacB, 0, kOurIp), 0s);
    REQUIRE(f.sink.arps.size() == 1);
    CHECK(f.sink.arps[0].packet.tpa == 0);
    CHECK(f.arp.size() == 0);
}

TEST_CASE("arp: our own looped-back frames are ignored; another host claiming our address is a conflict") {
    Fixture f;
    f.arp.on_arp(request_from(kOurMac, kOurIp, kB), 0s);
    CHECK(f.arp.counters().ignored == 1);
    f.arp.on_arp(request_from(kMacB, kOurIp, kOurIp), 0s);
    CHECK(f.arp.counters().conflicts == 1);
    CHECK(f.arp.size() == 0);
    CHECK(f.sink.arps.empty());
}

TEST_CASE("arp: the first packet to an unresolved address waits and leaves when the reply comes") {
    Fixture f;
    CHECK(f.arp.send(kB, pkt(60, 1), 0s) == l2::ArpCache::Sent::Queued);  // the first SYN
    CHECK(f.arp.send(kB, pkt(60, 2), 0s) == l2::ArpCache::Sent::Queued);
    CHECK(f.sink.sent.empty());
    // One broadcast request (RFC 826: target hardware address unknown, zero).
    REQUIRE(f.sink.arps.size() == 1);
    CHECK(f.sink.arps[0].eth_dst == l2::kBroadcastMac);
    CHECK(f.sink.arps[0].packet.op == ArpOp::Request);
    CHECK(f.sink.arps[0].packet.tpa == kB);
    CHECK(f.sink.arps[0].packet.tha == MacAddr{});
    CHECK(f.arp.queued_bytes() == 120);
    CHECK(f.arp.next_deadline() == 1s);

    f.arp.on_arp(reply_from(kMacB, kB), 200ms);
    REQUIRE(f.sink.sent.size() == 2);  // in the order they were sent
    CHECK(f.sink.sent[0].eth_dst == kMacB);
    CHECK(f.sink.sent[0].packet == pkt(60, 1));
    CHECK(f.sink.sent[1].packet == pkt(60, 2));
    CHECK(f.arp.queued_bytes() == 0);
    CHECK(f.arp.counters().resolved == 1);
    CHECK(f.arp.send(kB, pkt(60, 3), 300ms) == l2::ArpCache::Sent::Now);
    CHECK(f.sink.sent.size() == 3);
}

TEST_CASE("arp: RFC 1122 2.3.2.1: requests 1 s apart, three in all, then waiting packets come back as unresolved") {
    Fixture f;
    CHECK(f.arp.send(kB, pkt(50, 1), 0s) == l2::ArpCache::Sent::Queued);
    CHECK(f.arp.send(kB, pkt(50, 2), 500ms) == l2::ArpCache::Sent::Queued);
    f.arp.on_timer(999ms);
    CHECK(f.sink.arps.size() == 1);  // never more than one a second
    f.arp.on_timer(1s);
    CHECK(f.sink.arps.size() == 2);
    CHECK(f.arp.next_deadline() == 2s);
    f.arp.on_timer(2s);
    CHECK(f.sink.arps.size() == 3);
    for (const auto& a : f.sink.arps) CHECK(a.eth_dst == l2::kBroadcastMac);
    f.arp.on_timer(2999ms);
    CHECK(f.sink.lost.empty());
    f.arp.on_timer(3s);  // a full interval after the last request
    CHECK(f.sink.arps.size() == 3);
    REQUIRE(f.sink.lost.size() == 2);  // -> ICMP host unreachable / connect fails
    CHECK(f.sink.lost[0].next_hop == kB);
    CHECK(f.sink.lost[0].packet == pkt(50, 1));
    CHECK(f.sink.lost[1].packet == pkt(50, 2));
    CHECK(f.arp.size() == 0);
    CHECK(f.arp.queued_bytes() == 0);
    CHECK_FALSE(f.arp.next_deadline());
    CHECK(f.arp.counters().gave_up == 1);
    CHECK(f.arp.counters().unresolved == 2);
    // A later packet starts over.
    CHECK(f.arp.send(kB, pkt(50, 3), 4s) == l2::ArpCache::Sent::Queued);
    CHECK(f.sink.arps.size() == 4);
}

TEST_CASE("arp: one unresolvable address does not block another") {
    l2::ArpConfig c;
    c.max_queue_bytes_per_address = 3000;
    c.max_queue_bytes_total = 5000;
    Fixture f(c);
    for (int i = 0; i < 10; ++i) f.arp.send(kC, pkt(1000, 9), 0s);  // C never answers
    CHECK(f.arp.queued_bytes() == 3000);
    CHECK(f.arp.send(kB, pkt(1000, 1), 0s) == l2::ArpCache::Sent::Queued);
    CHECK(f.arp.send(kB, pkt(1000, 2), 0s) == l2::ArpCache::Sent::Queued);
    f.arp.on_arp(reply_from(kMacB, kB), 100ms);
    REQUIRE(f.sink.sent.size() == 2);
    CHECK(f.arp.send(kB, pkt(1000, 3), 200ms) == l2::ArpCache::Sent::Now);
}

TEST_CASE("arp: RFC 1122 2.3.2.2: a full per-address queue drops its oldest packets, keeping the latest") {
    l2::ArpConfig c;
    c.max_queue_bytes_per_address = 3000;
    Fixture f(c);
    for (std::uint8_t i = 1; i <= 5; ++i) CHECK(f.arp.send(kB, pkt(1000, i), 0s) == l2::ArpCache::Sent::Queued);
    CHECK(f.arp.queued_bytes() == 3000);
    CHECK(f.arp.counters().queue_overflow == 2);
    CHECK(f.arp.send(kB, pkt(3001, 6), 0s) == l2::ArpCache::Sent::Dropped);  // can never fit
    f.arp.on_arp(reply_from(kMacB, kB), 100ms);
    REQUIRE(f.sink.sent.size() == 3);
    CHECK(f.sink.sent[0].packet == pkt(1000, 3));
    CHECK(f.sink.sent[2].packet == pkt(1000, 5));
}

TEST_CASE("arp: the total queue bound refuses a packet rather than take another address's") {
    l2::ArpConfig c;
    c.max_queue_bytes_per_address = 3000;
    c.max_queue_bytes_total = 5000;
    Fixture f(c);
    for (int i = 0; i < 3; ++i) f.arp.send(kB, pkt(1000, 1), 0s);
    for (int i = 0; i < 2; ++i) f.arp.send(kC, pkt(1000, 2), 0s);
    CHECK(f.arp.queued_bytes() == 5000);
    const std::uint32_t kD = 0x0a000004;
    CHECK(f.arp.send(kD, pkt(1000, 3), 0s) == l2::ArpCache::Sent::Dropped);
    CHECK(f.arp.counters().refused == 1);
    CHECK(f.arp.queued_bytes() == 5000);
    // C may still trade its own oldest for its newest.
    CHECK(f.arp.send(kC, pkt(1000, 4), 0s) == l2::ArpCache::Sent::Queued);
    CHECK(f.arp.queued_bytes() <= 5000);
}

TEST_CASE("arp: RFC 1122 2.3.2.1: an unused entry expires after its lifetime; the next packet asks again") {
    Fixture f;
    f.arp.on_arp(request_from(kMacB, kB, kOurIp), 0s);
    CHECK(f.arp.next_deadline() == 60s);
    f.arp.on_timer(59s);
    CHECK(f.arp.lookup(kB) == kMacB);
    CHECK(f.sink.arps.size() == 1);  // just our reply: no poll for an unused entry
    f.arp.on_timer(60s);
    CHECK_FALSE(f.arp.lookup(kB));
    CHECK(f.arp.counters().expired == 1);
    CHECK(f.arp.send(kB, pkt(40, 1), 61s) == l2::ArpCache::Sent::Queued);
}

TEST_CASE("arp: RFC 1122 2.3.2.1 unicast poll: an entry in use is refreshed before it expires, without a gap") {
    Fixture f;
    f.arp.on_arp(reply_from(kMacB, kB), 0s);  // unsolicited, but for us: learned
    REQUIRE(f.arp.lookup(kB));
    CHECK(f.arp.send(kB, pkt(40, 1), 10s) == l2::ArpCache::Sent::Now);
    CHECK(f.arp.next_deadline() == 57s);  // three polls, a second apart, before 60 s
    f.arp.on_timer(57s);
    REQUIRE(f.sink.arps.size() == 1);
    CHECK(f.sink.arps[0].eth_dst == kMacB);  // unicast to the cached MAC
    CHECK(f.sink.arps[0].packet.tpa == kB);
    CHECK(f.arp.counters().polls_sent == 1);
    CHECK(f.arp.send(kB, pkt(40, 2), 57500ms) == l2::ArpCache::Sent::Now);  // still usable
    f.arp.on_arp(reply_from(kMacB, kB), 57100ms);
    CHECK(f.arp.counters().updated == 1);
    f.arp.on_timer(60s);
    CHECK(f.arp.lookup(kB) == kMacB);
    CHECK(f.arp.next_deadline() == 57100ms + 60s);  // not used since: just expiry
}

TEST_CASE("arp: an entry in use whose polls go unanswered expires after the third") {
    Fixture f;
    f.arp.on_arp(request_from(kMacB, kB, kOurIp), 0s);
    f.arp.send(kB, pkt(40, 1), 1s);
    for (auto t : {57s, 58s, 59s}) f.arp.on_timer(t);
    CHECK(f.arp.counters().polls_sent == 3);
    CHECK(f.arp.next_deadline() == 60s);
    f.arp.on_timer(60s);
    CHECK_FALSE(f.arp.lookup(kB));
}

TEST_CASE("arp: RFC 5227 2.3: the gratuitous ARP at start-up is a broadcast request naming us twice") {
    Fixture f;
    f.arp.announce();
    REQUIRE(f.sink.arps.size() == 1);
    CHECK(f.sink.arps[0].eth_dst == l2::kBroadcastMac);
    const ArpPacket& a = f.sink.arps[0].packet;
    CHECK(a.op == ArpOp::Request);
    CHECK(a.sha == kOurMac);
    CHECK(a.spa == kOurIp);
    CHECK(a.tpa == kOurIp);
    CHECK(a.tha == MacAddr{});
    CHECK(f.arp.counters().announcements_sent == 1);
}

TEST_CASE("arp: a static entry never expires and is not overwritten by ARP") {
    Fixture f;
    f.arp.add_static(kB, kMacB);
    CHECK_FALSE(f.arp.next_deadline());
    f.arp.on_arp(request_from(kMacC, kB, kOurIp), 1s);
    CHECK(f.arp.lookup(kB) == kMacB);
    f.arp.on_timer(1000s);
    CHECK(f.arp.send(kB, pkt(40, 1), 1000s) == l2::ArpCache::Sent::Now);
    CHECK(f.sink.sent[0].eth_dst == kMacB);
}

TEST_CASE("arp: a full table evicts an unused entry, never one in use; a packet waits for room otherwise") {
    l2::ArpConfig c;
    c.max_entries = 2;
    Fixture f(c);
    f.arp.on_arp(request_from(kMacB, kB, kOurIp), 0s);
    f.arp.on_arp(request_from(kMacC, kC, kOurIp), 1s);
    f.arp.send(kC, pkt(40, 1), 2s);  // C is in use, B is not
    const std::uint32_t kD = 0x0a000004, kE = 0x0a000005;
    CHECK(f.arp.send(kD, pkt(40, 2), 3s) == l2::ArpCache::Sent::Queued);
    CHECK(f.arp.counters().evicted == 1);
    CHECK_FALSE(f.arp.lookup(kB));
    CHECK(f.arp.lookup(kC) == kMacC);
    // C in use, D resolving: nothing may go.
    CHECK(f.arp.send(kE, pkt(40, 3), 3s) == l2::ArpCache::Sent::Dropped);
    CHECK(f.arp.size() == 2);
}

TEST_CASE("arp: bookkeeping stays bounded under a flood of packets to many unresolvable addresses") {
    Fixture f;
    const l2::ArpConfig c;
    for (std::uint32_t i = 0; i < 2000; ++i) {
        f.arp.send(0x0b000000 + i % 500, pkt(1500, 0), std::chrono::milliseconds(i));
        REQUIRE(f.arp.queued_bytes() <= c.max_queue_bytes_total);
        REQUIRE(f.arp.size() <= c.max_entries);
        f.arp.on_timer(std::chrono::milliseconds(i));
    }
    while (auto d = f.arp.next_deadline()) f.arp.on_timer(*d);  // as the event loop would
    CHECK(f.arp.size() == 0);
    CHECK(f.arp.queued_bytes() == 0);
    const auto& k = f.arp.counters();
    CHECK(k.queued == k.unresolved + k.queue_overflow);
}
