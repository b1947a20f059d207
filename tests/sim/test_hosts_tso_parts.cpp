// A TSO super-segment handed over in pieces (l2::GsoParts,
// host::FrameSink::transmit_gso_parts), between whole hosts on a simulated
// Ethernet (tests/sim/hosts.hpp): the host builds only the Ethernet, IPv4
// and TCP headers (the checksum partial, link/gso_checksum.hpp) and hands
// the payload as the send ring's spans, which it never copied; joined, the
// pieces are the super-packet send_gso takes, so the bytes arrive exact and
// the host's counters count what the sink was handed.
#include <algorithm>

#include "hosts.hpp"
#include "host/internal.hpp"  // kBufferSize: the host's buffer
#include "link/gso_checksum.hpp"

using namespace simhost;

namespace {

struct Seen {
    std::vector<std::uint8_t> head;
    const std::uint8_t* head_at = nullptr;
    const std::uint8_t *p1 = nullptr, *p2 = nullptr;
    std::size_t n1 = 0, n2 = 0;
    std::vector<std::uint8_t> payload;  // p1 then p2
    std::uint16_t gso_size = 0;
};

struct PartsTransfer : OneWayTransfer {
    std::vector<Seen> seen;
    explicit PartsTransfer(std::size_t max_send, std::size_t bytes = 2000000)
        : OneWayTransfer(bytes, {}, {}, max_send) {
        a->on_parts = [this](const l2::GsoParts& p) {
            Seen s{{p.head.begin(), p.head.end()}, p.head.data(), p.p1.data(), p.p2.data(),
                   p.p1.size(), p.p2.size(), {}, p.gso_size};
            s.payload.assign(p.p1.begin(), p.p1.end());
            s.payload.insert(s.payload.end(), p.p2.begin(), p.p2.end());
            seen.push_back(std::move(s));
        };
    }
    // The first data byte's sequence number: the SYN's + 1 (RFC 9293 3.4).
    tcp::Seq first_seq() const {
        for (const Frame* f : lan.frames([](const Frame& x) { return x.from == 0; }))
            if (auto h = f->tcp(); h && h->has(tcp::flag::SYN)) return h->seq + 1;
        FAIL("no SYN from A");
        return 0;
    }
};

bool overlaps(const std::uint8_t* a, std::size_t an, const std::uint8_t* b, std::size_t bn) {
    return a < b + bn && b < a + an;
}

}  // namespace

TEST_CASE("host sim: super-segments go to the sink as headers and the send ring's spans") {
    PartsTransfer t(65535);
    t.pump(60s);
    REQUIRE(t.got.size() == t.data.size());
    CHECK(t.got == t.data);
    REQUIRE(!t.seen.empty());
    // ARP knew B from the handshake on: every super-segment went in pieces,
    // and every one was joined into a super-packet with a partial checksum.
    CHECK(t.a->parts_frames == t.a->tso_frames);
    CHECK(t.a->bad_tso == 0);
    const tcp::Seq first = t.first_seq();
    bool wrapped = false;
    const std::uint8_t* lo = t.seen.front().p1;
    const std::uint8_t* hi = lo;
    for (const Seen& s : t.seen) {
        // The head ends where the TCP header does: no payload byte in it.
        const auto c = l2::locate_tcp_checksum(s.head, s.head.size() + s.n1 + s.n2, l2::Framing::Ethernet);
        REQUIRE(c);
        CHECK(s.head.size() == c->tcp_start + c->header_len);
        CHECK(c->tcp_len == c->header_len + s.n1 + s.n2);
        CHECK(base::get_u16(&s.head[c->field()]) == c->pseudo);  // partial
        CHECK(s.n1 + s.n2 > s.gso_size);  // several pieces
        // The spans hold the stream's bytes at the segment's sequence number,
        // and lie outside the host's buffer (not copied there).
        const auto seq = base::get_u32(&s.head[c->tcp_start + 4]);
        const std::size_t off = seq - first;
        REQUIRE(off + s.payload.size() <= t.data.size());
        CHECK(std::equal(s.payload.begin(), s.payload.end(), t.data.begin() + static_cast<std::ptrdiff_t>(off)));
        CHECK_FALSE(overlaps(s.p1, s.n1, s.head_at, host::kBufferSize));
        if (s.n2) {
            wrapped = true;
            CHECK_FALSE(overlaps(s.p2, s.n2, s.head_at, host::kBufferSize));
        }
        for (auto [p, n] : {std::pair{s.p1, s.n1}, std::pair{s.p2, s.n2}}) {
            if (!n) continue;
            lo = std::min(lo, p);
            hi = std::max(hi, p + n);
        }
    }
    // Two pieces where the ring wraps, and all spans within one ring.
    CHECK(wrapped);
    CHECK(static_cast<std::size_t>(hi - lo) <= Lan::default_config().tcp.send_buffer);
    // The host counts what its sink was handed, pieces or whole.
    const auto n = t.a->host.counters();
    CHECK(n.packets_out == t.a->ip_packets);
    CHECK(n.bytes_out == t.a->ip_bytes);
    CHECK(n.send_errors == 0);
}

TEST_CASE("host sim: an interface without TSO hands over no pieces") {
    PartsTransfer t(0, 300000);
    t.pump(30s);
    CHECK(t.got == t.data);
    CHECK(t.seen.empty());
    CHECK(t.a->parts_frames == 0);
    CHECK(t.a->host.counters().bytes_out == t.a->ip_bytes);
}
