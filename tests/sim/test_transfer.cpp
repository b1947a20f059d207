// Bulk transfers of 1 MB each way, byte-exact, under every kind of fault the
// simulated link can inject; each deterministic for its seed and repeated
// over several seeds.
#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

namespace {
constexpr std::size_t kMB = 1 << 20;

void run_lossy(l2::FaultConfig f, std::uint64_t seed, Duration limit = 600s) {
    Pair p;
    p.seed = seed;
    if (f.delay == Time(0)) f.delay = 5ms;
    p.a_to_b = f;
    p.b_to_a = f;
    p.iss_a = static_cast<Seq>(seed * 2654435761u);
    p.iss_b = static_cast<Seq>(~seed * 40503u);
    REQUIRE(p.open(120s));
    auto up = random_bytes(kMB, seed);
    auto down = random_bytes(kMB, seed + 1000);
    const bool ok = p.transfer(up, down, limit);
    INFO("seed " << seed << " retransmits A " << p.a()->stats().retransmits << " B "
                 << p.b()->stats().retransmits << " t=" << p.now.count() / 1000 << "ms"
                 << " A state " << to_string(p.a()->state()) << " B state "
                 << to_string(p.b()->state()) << " got_b " << p.got_b.size() << " got_a "
                 << p.got_a.size());
    CHECK(ok);
    MESSAGE("seed " << seed << ": " << p.now.count() / 1000 << " ms virtual, A rtx "
                    << p.a()->stats().retransmits << " (rto " << p.a()->stats().rto_timeouts
                    << ", fast " << p.a()->stats().fast_retransmits << "), corrupt dropped "
                    << p.corrupt_dropped);
}
}  // namespace

TEST_CASE("1 MB each way on a clean link, byte-exact") {
    run_lossy(l2::FaultConfig{}, 1);
}

TEST_CASE("1 MB each way with 10% loss, over several seeds") {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) run_lossy(l2::FaultConfig{.drop_pct = 10}, seed);
}

TEST_CASE("1 MB each way with reordering (delay jitter), over several seeds") {
    for (std::uint64_t seed = 1; seed <= 4; ++seed)
        run_lossy(l2::FaultConfig{.reorder_pct = 20, .reorder_jitter = 8ms}, seed);
}

TEST_CASE("1 MB each way with 5% duplication, over several seeds") {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) run_lossy(l2::FaultConfig{.duplicate_pct = 5}, seed);
}

TEST_CASE("1 MB each way with 1% corruption: caught by the checksum, recovered") {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) run_lossy(l2::FaultConfig{.corrupt_pct = 1}, seed);
}

TEST_CASE("1 MB each way with loss, reordering, duplication and corruption at once") {
    for (std::uint64_t seed = 1; seed <= 4; ++seed)
        run_lossy(l2::FaultConfig{.drop_pct = 5, .duplicate_pct = 2, .reorder_pct = 10,
                                   .reorder_jitter = 6ms, .corrupt_pct = 1},
                  seed);
}

TEST_CASE("receive-window auto-tuning: a reader that keeps up opens B's window to its buffer, and it never shrinks") {
    Pair p;
    std::uint32_t first = 0, largest = 0;
    Seq edge = 0;
    bool shrank = false;
    p.on_received = [&](l2::Side to, const SegmentView& seg) {
        if (to != l2::Side::A || (seg.header.flags & flag::SYN) || !(seg.header.flags & flag::ACK)) return;
        const std::uint32_t w = std::uint32_t{seg.header.window} << 3;  // B's scale for 256 KiB
        if (first == 0) first = w;
        largest = std::max(largest, w);
        const Seq e = seg.header.ack + w;
        if (edge != 0 && seq_lt(e, edge)) shrank = true;  // RFC 9293 3.8.6
        if (edge == 0 || seq_gt(e, edge)) edge = e;
    };
    REQUIRE(p.open());
    auto up = random_bytes(kMB, 5), down = random_bytes(1000, 6);
    CHECK(p.transfer(up, down, 60s));
    MESSAGE("B's window: " << first << " bytes at first, " << largest << " at most");
    CHECK(first <= 64 * 1024);
    CHECK(largest > 128 * 1024);  // doubled at least twice
    CHECK(largest <= 256 * 1024);
    CHECK_FALSE(shrank);
}

TEST_CASE("a transfer across the 2^32 sequence wrap") {
    Pair p;
    p.iss_a = 0xffffffffu - 5000;
    p.iss_b = 0xffffffffu - 100;
    REQUIRE(p.open());
    auto up = random_bytes(kMB, 3), down = random_bytes(kMB, 4);
    CHECK(p.transfer(up, down, 60s));
}

TEST_CASE("RFC 9438: CUBIC carries 1 MB each way through 5% loss") {
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
        Pair p;
        p.seed = seed;
        p.cfg_a.congestion = p.cfg_b.congestion = "cubic";
        p.a_to_b.drop_pct = p.b_to_a.drop_pct = 5;
        REQUIRE(p.open(60s));
        auto up = random_bytes(kMB, seed), down = random_bytes(kMB, seed + 1);
        CHECK(p.transfer(up, down, 300s));
    }
}

TEST_CASE("a bigger buffer never makes throughput worse (virtual time)") {
    // A 20 Mbit/s bottleneck with a 100-packet queue and 20 ms of delay each
    // way; 4 MB one way. Times are virtual, so the comparison is exact and
    // deterministic. Allowed: 10%. Past 128 KiB, slow start overshoots the
    // bottleneck queue once and loses a burst (about 5% here); HyStart would
    // avoid that and is not implemented.
    Duration prev{0};
    for (std::uint32_t buffer : {32u << 10, 128u << 10, 512u << 10, 2u << 20}) {
        Pair p;
        p.cfg_a.send_buffer = p.cfg_a.recv_buffer = buffer;
        p.cfg_b.send_buffer = p.cfg_b.recv_buffer = buffer;
        for (auto* f : {&p.a_to_b, &p.b_to_a}) {
            f->delay = 20ms;
            f->bandwidth = 2'500'000;
            f->queue_limit = 100;
        }
        REQUIRE(p.open());
        const Time start = p.now;
        auto data = random_bytes(4u << 20, buffer);
        REQUIRE(p.transfer(data, {}, 120s));
        const Duration took = p.now - start;
        MESSAGE("buffer " << (buffer >> 10) << " KiB: " << took.count() / 1000 << " ms, rtx "
                          << p.a()->stats().retransmits);
        if (prev.count()) CHECK(took.count() <= prev.count() * 110 / 100);
        prev = took;
    }
}
