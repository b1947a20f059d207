// Fault injection: every fault is deterministic for a seed, happens as often
// as configured, and is counted; delay and bandwidth give exact times.
#include <doctest/doctest.h>

#include <vector>

#include "ip/checksum.hpp"
#include "link/faults.hpp"

using l2::FaultConfig;
using l2::FaultInjector;
using l2::Time;
using namespace std::chrono_literals;

namespace {
std::vector<std::uint8_t> numbered(std::uint32_t n, std::size_t size = 64) {
    std::vector<std::uint8_t> p(size, 0xab);
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(n >> (8 * i));
    return p;
}
std::uint32_t number_of(const std::vector<std::uint8_t>& p) {
    return p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t{p[3]} << 24);
}
struct Delivery {
    Time at;
    std::vector<std::uint8_t> bytes;
    bool operator==(const Delivery&) const = default;
};
// Pushes `n` numbered packets 100 us apart and collects everything delivered.
std::vector<Delivery> run(FaultInjector& f, std::uint32_t n) {
    std::vector<Delivery> out;
    std::vector<std::uint8_t> buf;
    Time now{0};
    for (std::uint32_t i = 1; i <= n; ++i, now += 100us) {
        f.push(numbered(i), now);
        while (auto at = f.pop(now, buf)) out.push_back({*at, buf});
    }
    while (auto next = f.next_deadline())
        while (auto at = f.pop(*next, buf)) out.push_back({*at, buf});
    return out;
}
FaultConfig everything(std::uint64_t seed) {
    FaultConfig c;
    c.drop_pct = 10;
    c.duplicate_pct = 10;
    c.reorder_pct = 10;
    c.corrupt_pct = 10;
    c.delay = 5ms;
    c.seed = seed;
    return c;
}
}  // namespace

TEST_CASE("faults: the same seed gives every packet the same fate") {
    FaultInjector a(everything(42)), b(everything(42)), c(everything(43));
    const auto ra = run(a, 2000), rb = run(b, 2000), rc = run(c, 2000);
    CHECK(ra == rb);
    CHECK(ra != rc);
    CHECK(a.counters().dropped == b.counters().dropped);
    CHECK(a.counters().corrupted == b.counters().corrupted);
}

TEST_CASE("faults: no faults configured passes every packet through unchanged, in order") {
    FaultInjector f(FaultConfig{});
    CHECK_FALSE(FaultConfig{}.any());
    const auto r = run(f, 100);
    REQUIRE(r.size() == 100);
    for (std::uint32_t i = 0; i < 100; ++i) {
        CHECK(r[i].bytes == numbered(i + 1));
        CHECK(r[i].at == Time{i * 100});
    }
}

TEST_CASE("faults: drop_pct loses about that share of 100k packets") {
    for (double pct : {0.0, 1.0, 5.0, 50.0, 100.0}) {
        FaultConfig c;
        c.drop_pct = pct;
        c.seed = 7;
        FaultInjector f(c);
        const auto empty = std::vector<std::uint8_t>(20);
        for (int i = 0; i < 100'000; ++i) f.push(empty, Time{i});
        const double lost = static_cast<double>(f.counters().dropped);
        // Binomial sd at 50% is 158 packets; 1000 is over 6 sd.
        CHECK(lost >= pct * 1000 - 1000);
        CHECK(lost <= pct * 1000 + 1000);
        if (pct == 0) CHECK(lost == 0);
        if (pct == 100) CHECK(lost == 100'000);
        CHECK(f.pending() == 100'000 - f.counters().dropped);
    }
}

TEST_CASE("faults: drop-nth loses exactly the packets with those numbers") {
    FaultConfig c;
    c.drop_nth = {1, 5, 9};
    FaultInjector f(c);
    std::vector<std::uint32_t> got;
    for (const auto& d : run(f, 10)) got.push_back(number_of(d.bytes));
    CHECK(got == std::vector<std::uint32_t>{2, 3, 4, 6, 7, 8, 10});
    CHECK(f.counters().dropped_nth == 3);
    CHECK(f.counters().packets == 10);
}

TEST_CASE("faults: duplicates are delivered twice, together, and counted") {
    FaultConfig c;
    c.duplicate_pct = 100;
    FaultInjector f(c);
    const auto r = run(f, 50);
    REQUIRE(r.size() == 100);
    for (std::size_t i = 0; i < r.size(); i += 2) CHECK(r[i] == r[i + 1]);
    CHECK(f.counters().duplicated == 50);
    CHECK(f.counters().delivered == 100);

    c.duplicate_pct = 20;
    c.seed = 3;
    FaultInjector g(c);
    run(g, 100'000);
    CHECK(g.counters().duplicated > 19'000);
    CHECK(g.counters().duplicated < 21'000);
}

TEST_CASE("faults: a corrupted packet differs in one byte and fails the Internet checksum") {
    FaultConfig c;
    c.corrupt_pct = 100;
    c.seed = 11;
    FaultInjector f(c);
    std::vector<std::uint8_t> buf;
    for (std::uint32_t i = 0; i < 1000; ++i) {
        // A packet whose RFC 1071 sum verifies: the last word makes it zero.
        auto p = numbered(i * 7919, 40);
        p[38] = p[39] = 0;
        const std::uint16_t sum = ip::checksum(p);
        p[38] = static_cast<std::uint8_t>(sum >> 8);
        p[39] = static_cast<std::uint8_t>(sum);
        REQUIRE(ip::checksum(p) == 0);

        f.push(p, Time{0});
        REQUIRE(f.pop(Time{0}, buf));
        std::size_t diff = 0;
        for (std::size_t k = 0; k < p.size(); ++k) diff += p[k] != buf[k];
        CHECK(diff == 1);
        CHECK(ip::checksum(buf) != 0);
    }
    CHECK(f.counters().corrupted == 1000);
}

TEST_CASE("faults: delay and bandwidth give exact delivery times on the virtual clock") {
    FaultConfig c;
    c.delay = 10ms;
    c.bandwidth = 1'000'000;  // 1000 bytes take 1 ms
    FaultInjector f(c);
    const std::vector<std::uint8_t> kb(1000);
    std::vector<std::uint8_t> buf;
    // Three back to back: each waits for the one before to finish.
    for (int i = 0; i < 3; ++i) f.push(kb, Time{0});
    CHECK(f.next_deadline() == Time{11'000});
    CHECK_FALSE(f.pop(Time{10'999}, buf));
    CHECK(f.pop(Time{20'000}, buf) == Time{11'000});
    CHECK(f.pop(Time{20'000}, buf) == Time{12'000});
    CHECK(f.pop(Time{20'000}, buf) == Time{13'000});
    // An idle link sends at once; an odd size rounds up to a whole microsecond.
    f.push(std::vector<std::uint8_t>(1001), Time{50'000});
    CHECK(f.next_deadline() == Time{50'000 + 1'001 + 10'000});
}

TEST_CASE("faults: reordering delivers some packets after ones sent later") {
    FaultConfig c;
    c.reorder_pct = 30;
    c.reorder_jitter = 5ms;
    c.seed = 5;
    FaultInjector f(c);
    const auto r = run(f, 1000);  // one packet every 100 us
    REQUIRE(r.size() == 1000);
    int inversions = 0;
    for (std::size_t i = 1; i < r.size(); ++i)
        inversions += number_of(r[i].bytes) < number_of(r[i - 1].bytes);
    CHECK(inversions > 100);
    CHECK(f.counters().reordered > 250);
    CHECK(f.counters().reordered < 350);
    for (std::size_t i = 1; i < r.size(); ++i) CHECK(r[i - 1].at <= r[i].at);
}

TEST_CASE("faults: the bottleneck queue tail-drops beyond its limit") {
    FaultConfig c;
    c.bandwidth = 100'000;  // 100 bytes take 1 ms
    c.queue_limit = 4;
    FaultInjector f(c);
    const std::vector<std::uint8_t> p(100);
    int queued = 0;
    for (int i = 0; i < 10; ++i) queued += f.push(p, Time{0});
    CHECK(queued == 4);
    CHECK(f.counters().overflowed == 6);
    // At 2 ms two have left the queue: room for two more.
    queued = 0;
    for (int i = 0; i < 3; ++i) queued += f.push(p, Time{2'000});
    CHECK(queued == 2);
    CHECK(f.counters().overflowed == 7);
    CHECK(f.pending() == 6);  // nobody has popped: delivered packets wait for pop()
}

TEST_CASE("faults: flag values are parsed and validated") {
    CHECK(l2::parse_percent("2.5") == 2.5);
    CHECK(l2::parse_percent("100") == 100.0);
    CHECK_FALSE(l2::parse_percent("100.1"));
    CHECK_FALSE(l2::parse_percent("-1"));
    CHECK_FALSE(l2::parse_percent("5%"));
    CHECK_FALSE(l2::parse_percent(""));
    CHECK_FALSE(l2::parse_percent("nan"));
    CHECK(l2::parse_index_list("1,5,9") == std::set<std::uint64_t>{1, 5, 9});
    CHECK(l2::parse_index_list("3") == std::set<std::uint64_t>{3});
    CHECK_FALSE(l2::parse_index_list("0"));
    CHECK_FALSE(l2::parse_index_list("1,,2"));
    CHECK_FALSE(l2::parse_index_list("1,x"));
    CHECK_FALSE(l2::parse_index_list("1,"));
    CHECK(l2::parse_millis("20") == Time{20'000});
    CHECK(l2::parse_millis("0.5") == Time{500});
    CHECK_FALSE(l2::parse_millis("-3"));

    FaultConfig c;
    CHECK(l2::set_fault_option(c, "drop", "3").empty());
    CHECK(l2::set_fault_option(c, "drop-nth", "2,4").empty());
    CHECK(l2::set_fault_option(c, "delay", "15").empty());
    CHECK(l2::set_fault_option(c, "seed", "99").empty());
    CHECK(l2::set_fault_option(c, "bandwidth", "125000").empty());
    CHECK(c.drop_pct == 3);
    CHECK(c.drop_nth == std::set<std::uint64_t>{2, 4});
    CHECK(c.delay == Time{15'000});
    CHECK(c.seed == 99u);
    CHECK(c.bandwidth == 125'000u);
    CHECK(l2::describe(c) == "drop 3% drop-nth 2,4 delay 15ms bandwidth 125000B/s seed 99");
    CHECK(l2::set_fault_option(c, "corrupt", "200") ==
          "--corrupt: '200' is not a percentage in 0..100");
    CHECK_FALSE(l2::set_fault_option(c, "seed", "x").empty());
    CHECK_FALSE(l2::set_fault_option(c, "frobnicate", "1").empty());
    for (const auto& o : l2::kFaultOptions) CHECK(l2::set_fault_option(c, o.name, "1").empty());
}
