// Reassembly of IPv4 fragments (RFC 791 3.2, RFC 815, RFC 1122 3.3.2):
// order, duplicates, overlaps (first copy kept), the timeout and its ICMP
// Time Exceeded, the memory bound, the 65535-byte limit, and a seeded
// fragment -> reassemble round trip.
#include <doctest/doctest.h>

#include <algorithm>

#include "ip/reassembly.hpp"
#include "tests/unit/ip_test_util.hpp"

using namespace ip_test;
using namespace std::chrono_literals;

namespace {

// Feeds packets in the given order; returns what completed (at most one).
struct Feeder {
    ip::Reassembler r;
    std::vector<Buf> quotes;  // time-exceeded reports
    explicit Feeder(ip::ReassemblyLimits limits = {})
        : r(limits, [this](base::Bytes q) { quotes.emplace_back(q.begin(), q.end()); }) {}

    std::optional<Buf> feed(const Buf& pkt, ip::Time now = 0s) {
        auto v = ip::parse_ipv4(pkt);
        REQUIRE(v.ok());
        return r.add(*v, now);
    }
    std::vector<Buf> feed_all(const std::vector<Buf>& pkts, ip::Time now = 0s) {
        std::vector<Buf> done;
        for (const Buf& p : pkts)
            if (auto whole = feed(p, now)) done.push_back(*whole);
        return done;
    }
};

Buf payload_of(const Buf& whole) { return Buf(whole.begin() + 20, whole.end()); }

}  // namespace

TEST_CASE("reassembly: fragments in order make the original datagram, byte for byte") {
    std::mt19937 rng(10);
    const Buf whole = datagram(42, random_bytes(4008, rng));
    Feeder f;
    const auto done = f.feed_all(fragments_of(whole, 1500));
    REQUIRE(done.size() == 1);
    CHECK(done[0] == whole);  // header too: length, flags, checksum restored
    CHECK(f.r.counters().reassembled == 1);
    CHECK(f.r.in_progress() == 0);
    CHECK(f.r.bytes_in_use() == 0);
}

TEST_CASE("reassembly: RFC 815: out of order and reversed fragments complete on the last hole") {
    std::mt19937 rng(11);
    const Buf whole = datagram(43, random_bytes(6000, rng));
    auto frags = fragments_of(whole, 576);
    REQUIRE(frags.size() == 11);
    SUBCASE("reversed") { std::reverse(frags.begin(), frags.end()); }
    SUBCASE("shuffled") { std::shuffle(frags.begin(), frags.end(), rng); }
    SUBCASE("last first, first last") { std::swap(frags.front(), frags.back()); }
    Feeder f;
    for (std::size_t i = 0; i + 1 < frags.size(); ++i) CHECK_FALSE(f.feed(frags[i]));
    auto done = f.feed(frags.back());
    REQUIRE(done);
    CHECK(*done == whole);
    CHECK(f.r.bytes_in_use() == 0);
}

TEST_CASE("reassembly: duplicated fragments are ignored and cost no memory") {
    std::mt19937 rng(12);
    const Buf whole = datagram(44, random_bytes(3000, rng));
    const auto frags = fragments_of(whole, 1500);  // 3 fragments
    Feeder f;
    CHECK_FALSE(f.feed(frags[0]));
    const std::size_t after_one = f.r.bytes_in_use();
    CHECK_FALSE(f.feed(frags[0]));
    CHECK(f.r.bytes_in_use() == after_one);
    CHECK_FALSE(f.feed(frags[2]));
    CHECK_FALSE(f.feed(frags[2]));
    auto done = f.feed(frags[1]);
    REQUIRE(done);
    CHECK(*done == whole);
    CHECK(f.r.counters().overlapping == 2);
    CHECK_FALSE(f.feed(frags[1]));  // a late duplicate starts a new datagram that times out
    CHECK(f.r.in_progress() == 1);
}

TEST_CASE("reassembly: RFC 5722 motivation: a partial overlap never rewrites bytes already held") {
    Feeder f;
    SUBCASE("earlier data first") {
        CHECK_FALSE(f.feed(fragment(5, 0, true, filled(16, 'a'))));
        auto done = f.feed(fragment(5, 8, false, filled(16, 'b')));  // [8, 24)
        REQUIRE(done);
        Buf want = filled(16, 'a');
        want.resize(24, 'b');
        CHECK(payload_of(*done) == want);
    }
    SUBCASE("later data first") {
        CHECK_FALSE(f.feed(fragment(5, 8, false, filled(16, 'b'))));  // [8, 24)
        auto done = f.feed(fragment(5, 0, true, filled(16, 'a')));    // [0, 16)
        REQUIRE(done);
        Buf want = filled(8, 'a');
        want.resize(24, 'b');
        CHECK(payload_of(*done) == want);
    }
    CHECK(f.r.counters().overlapping == 1);
}

TEST_CASE("reassembly: a fragment wholly inside held data is dropped; one spanning pieces fills only the gaps") {
    Feeder f;
    CHECK_FALSE(f.feed(fragment(6, 8, true, filled(8, 'x'))));    // [8, 16)
    CHECK_FALSE(f.feed(fragment(6, 24, true, filled(8, 'y'))));   // [24, 32)
    CHECK_FALSE(f.feed(fragment(6, 8, true, filled(8, 'X'))));    // total overlap: dropped
    CHECK_FALSE(f.feed(fragment(6, 40, false, filled(8, 'z'))));  // [40, 48), the end
    // [0, 48) over everything: only [0, 8), [16, 24) and [32, 40) are new.
    auto done = f.feed(fragment(6, 0, true, filled(48, 'o')));
    REQUIRE(done);
    const Buf got = payload_of(*done);
    const std::string want = "oooooooo" "xxxxxxxx" "oooooooo" "yyyyyyyy" "oooooooo" "zzzzzzzz";
    CHECK(std::string(got.begin(), got.end()) == want);
    CHECK(f.r.counters().overlapping == 2);
}

TEST_CASE("reassembly: the first fragment with MF=0 fixes the end; contradicting fragments lose") {
    Feeder f;
    CHECK_FALSE(f.feed(fragment(7, 16, false, filled(8, 'e'))));  // end at 24
    CHECK_FALSE(f.feed(fragment(7, 16, false, filled(16, 'E'))));  // another end: dropped
    CHECK_FALSE(f.feed(fragment(7, 24, true, filled(8, 'E'))));    // past the end: dropped
    CHECK(f.r.counters().malformed == 2);
    auto done = f.feed(fragment(7, 0, true, filled(16, 's')));
    REQUIRE(done);
    CHECK(payload_of(*done) == Buf{'s', 's', 's', 's', 's', 's', 's', 's', 's', 's', 's', 's',
                                   's', 's', 's', 's', 'e', 'e', 'e', 'e', 'e', 'e', 'e', 'e'});
    // ... and data past a later "last" fragment's end makes that one lose too.
    Feeder g;
    CHECK_FALSE(g.feed(fragment(8, 16, true, filled(16, 'm'))));  // [16, 32)
    CHECK_FALSE(g.feed(fragment(8, 8, false, filled(16, 'e'))));  // says the end is 24
    CHECK(g.r.counters().malformed == 1);
}

TEST_CASE("reassembly: RFC 791 3.2: an MF fragment whose length is not a multiple of 8 is malformed") {
    Feeder f;
    CHECK_FALSE(f.feed(fragment(9, 0, true, filled(12, 'a'))));
    CHECK_FALSE(f.feed(fragment(9, 0, true, Buf{})));
    CHECK(f.r.counters().malformed == 2);
    CHECK(f.r.in_progress() == 0);
}

TEST_CASE("reassembly: RFC 1122 3.3.2: a missing last fragment times out with Time Exceeded quoting the first") {
    std::mt19937 rng(13);
    const Buf whole = datagram(77, random_bytes(3000, rng));
    const auto frags = fragments_of(whole, 1500);
    Feeder f;
    CHECK_FALSE(f.feed(frags[0], 5s));
    CHECK_FALSE(f.feed(frags[1], 6s));
    CHECK(f.r.next_deadline() == 35s);  // fixed, from the first fragment to arrive
    f.r.on_timer(35s - 1us);
    CHECK(f.r.in_progress() == 1);
    f.r.on_timer(35s);
    CHECK(f.r.in_progress() == 0);
    CHECK(f.r.bytes_in_use() == 0);
    CHECK_FALSE(f.r.next_deadline());
    CHECK(f.r.counters().timed_out == 1);
    REQUIRE(f.quotes.size() == 1);
    // RFC 792: the Internet header and the first 64 bits of data, of fragment zero.
    CHECK(f.quotes[0] == Buf(frags[0].begin(), frags[0].begin() + 28));
    auto q = ip::parse_ipv4_quoted(f.quotes[0]);
    REQUIRE(q.ok());
    CHECK(q->header.id == 77);
    CHECK(q->header.mf);
}

TEST_CASE("reassembly: RFC 1122 3.3.2: without fragment zero the timeout sends no Time Exceeded") {
    std::mt19937 rng(14);
    const auto frags = fragments_of(datagram(78, random_bytes(3000, rng)), 1500);
    Feeder f;
    CHECK_FALSE(f.feed(frags[1]));
    CHECK_FALSE(f.feed(frags[2]));
    f.r.on_timer(30s);
    CHECK(f.r.counters().timed_out == 1);
    CHECK(f.quotes.empty());
}

TEST_CASE("reassembly: a flood of unique ids beyond the bound evicts the oldest; memory stays bounded") {
    ip::ReassemblyLimits limits;  // 256 KiB, 64 datagrams
    Feeder f(limits);
    std::size_t high_water = 0;
    // 1000 first fragments of 1480 bytes, each of its own datagram: 1.4 MB offered.
    for (std::uint16_t id = 0; id < 1000; ++id) {
        CHECK_FALSE(f.feed(fragment(id, 0, true, filled(1480, 'f'))));
        high_water = std::max(high_water, f.r.bytes_in_use());
        REQUIRE(f.r.in_progress() <= limits.max_datagrams);
    }
    CHECK(high_water <= limits.max_bytes);
    CHECK(f.r.in_progress() == limits.max_datagrams);
    CHECK(f.r.counters().evicted == 1000 - limits.max_datagrams);
    CHECK(f.r.counters().no_memory == 0);

    SUBCASE("right after the flood, with no timer run, a new datagram completes") {
        std::mt19937 rng(17);
        const Buf whole = datagram(4343, random_bytes(5000, rng));
        const auto done = f.feed_all(fragments_of(whole, 1500), 1s);
        REQUIRE(done.size() == 1);
        CHECK(done[0] == whole);
        CHECK(f.r.bytes_in_use() <= limits.max_bytes);
    }
    SUBCASE("big datagrams: the byte bound evicts too") {
        ip::Reassembler r;
        std::mt19937 rng(18);
        // 60 000-byte datagrams missing their last fragment: about 4 fit in 256 KiB.
        for (std::uint16_t id = 0; id < 20; ++id) {
            auto frags = fragments_of(datagram(id, random_bytes(60000, rng)), 1500);
            frags.pop_back();
            for (const auto& p : frags) {
                auto v = ip::parse_ipv4(p);
                REQUIRE(v.ok());
                (void)r.add(*v, 0s);
                REQUIRE(r.bytes_in_use() <= limits.max_bytes);
            }
        }
        CHECK(r.counters().evicted > 0);
        CHECK(r.in_progress() <= 5);
    }

    SUBCASE("tiny fragments are bounded by the bookkeeping they cost") {
        ip::Reassembler r;
        // 4000 pieces of 8 bytes would be only 32 KB of data; with 64 bytes of
        // bookkeeping charged for each, they pass the bound.
        for (std::uint16_t i = 0; i < 4000; ++i) {
            // every other 8-byte slot of one datagram, so no two pieces merge
            const Buf p = fragment(1, std::size_t{i} * 16, true, filled(8, 't'));
            auto v = ip::parse_ipv4(p);
            REQUIRE(v.ok());
            (void)r.add(*v, 0s);
            REQUIRE(r.bytes_in_use() <= limits.max_bytes);
        }
        CHECK(r.counters().no_memory > 0);
        CHECK(r.counters().too_long == 0);
    }
    SUBCASE("the timer gives the memory back, and a new datagram completes") {
        f.r.on_timer(30s);
        CHECK(f.r.bytes_in_use() == 0);
        std::mt19937 rng(15);
        const Buf whole = datagram(4242, random_bytes(5000, rng));
        const auto done = f.feed_all(fragments_of(whole, 1500), 31s);
        REQUIRE(done.size() == 1);
        CHECK(done[0] == whole);
    }
}

TEST_CASE("reassembly: memory accounting returns to zero after completion, overlap and timeout") {
    std::mt19937 rng(16);
    Feeder f;
    for (std::uint16_t id = 0; id < 20; ++id) {
        auto frags = fragments_of(datagram(id, random_bytes(2000 + id * 100, rng)), 600);
        std::shuffle(frags.begin(), frags.end(), rng);
        frags.insert(frags.begin() + 1, frags.front());  // a duplicate
        if (id % 3 == 0) frags.pop_back();               // incomplete: left to time out
        f.feed_all(frags);
    }
    CHECK(f.r.bytes_in_use() > 0);
    f.r.on_timer(30s);
    CHECK(f.r.bytes_in_use() == 0);
    CHECK(f.r.in_progress() == 0);
    CHECK(f.r.counters().reassembled == 13);
    CHECK(f.r.counters().timed_out == 7);  // ids 0, 3, ..., 18
}

TEST_CASE("reassembly: RFC 791 3.1: data that would pass 65535 bytes is rejected") {
    Feeder f;
    // 20 + 65512 + 8 = 65540: the "ping of death".
    CHECK_FALSE(f.feed(fragment(3, 65512, false, filled(8, 'p'))));
    CHECK(f.r.counters().too_long == 1);
    CHECK(f.r.in_progress() == 0);
    // The largest legal datagram, 65535 bytes, still reassembles.
    std::mt19937 rng(17);
    const Buf whole = datagram(4, random_bytes(65535 - 20, rng));
    const auto done = f.feed_all(fragments_of(whole, 1500));
    REQUIRE(done.size() == 1);
    CHECK(done[0] == whole);
}

TEST_CASE("reassembly: a first fragment's options push the whole past 65535: discarded at completion") {
    Feeder f;
    // The data ends at 65515: with a 20-byte header that would be 65535, legal...
    CHECK_FALSE(f.feed(fragment(11, 32768, false, filled(65515 - 32768, 'r'))));
    // ... but fragment zero's header carries 4 bytes of options.
    const Buf first = with_options(fragment(11, 0, true, filled(32768, 'q')), {1, 1, 1, 1});
    CHECK_FALSE(f.feed(first));
    CHECK(f.r.counters().too_long == 1);
    CHECK(f.r.in_progress() == 0);
    CHECK(f.r.bytes_in_use() == 0);
}

TEST_CASE("reassembly: RFC 791 3.2: the whole datagram keeps fragment zero's options") {
    Feeder f;
    const Buf first = with_options(fragment(12, 0, true, filled(8, 'a')), {0x94, 4, 0, 0});  // Router Alert
    CHECK_FALSE(f.feed(fragment(12, 8, false, filled(5, 'b'))));
    auto done = f.feed(first);
    REQUIRE(done);
    auto v = ip::parse_ipv4(*done);  // checksum verifies over the longer header
    REQUIRE(v.ok());
    CHECK(v->header.ihl == 6);
    CHECK(v->options.size() == 4);
    CHECK(v->options[0] == 0x94);
    CHECK(v->payload.size() == 13);
    CHECK_FALSE(v->header.is_fragment());
}

TEST_CASE("reassembly: property: fragment then reassemble in any order, for many sizes and MTUs") {
    std::mt19937 rng(20240601);  // seeded: a failure reproduces
    Feeder f;
    for (int round = 0; round < 300; ++round) {
        const ip::Time now = std::chrono::minutes(round);
        const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 20000)(rng);
        const std::size_t mtu = std::uniform_int_distribution<std::size_t>(68, 9000)(rng);
        CAPTURE(round);
        CAPTURE(size);
        CAPTURE(mtu);
        const Buf whole = datagram(static_cast<std::uint16_t>(round), random_bytes(size, rng));
        auto frags = fragments_of(whole, mtu);
        if (frags.size() == 1) continue;  // not fragmented: nothing to reassemble
        std::shuffle(frags.begin(), frags.end(), rng);
        // Duplicate a few, as a lossy link with retransmitting middleboxes might.
        const std::size_t dups = std::uniform_int_distribution<std::size_t>(0, 3)(rng);
        for (std::size_t i = 0; i < dups; ++i)
            frags.insert(frags.begin() + static_cast<std::ptrdiff_t>(rng() % frags.size()),
                         frags[rng() % frags.size()]);
        // Every completion is the original (a datagram sent twice in full
        // arrives twice: IP does not remove duplicates).
        const auto done = f.feed_all(frags, now);
        REQUIRE_FALSE(done.empty());
        for (const Buf& d : done) CHECK(d == whole);
        // A duplicate after the completing fragment starts a datagram of its
        // own, which the timer clears.
        f.r.on_timer(now + 30s);
        CHECK(f.r.bytes_in_use() == 0);
    }
}
