// The in-memory link of the simulation tests: two directions, each with its
// own faults, on a virtual clock.
#include <doctest/doctest.h>

#include <tuple>
#include <vector>

#include "link/sim.hpp"

using l2::FaultConfig;
using l2::Side;
using l2::SimLink;
using l2::Time;
using namespace std::chrono_literals;

namespace {
std::vector<std::uint8_t> packet(std::uint8_t tag, std::size_t size = 40) {
    return std::vector<std::uint8_t>(size, tag);
}
}  // namespace

TEST_CASE("sim link: a packet from A reaches B after the delay, and only B") {
    FaultConfig c;
    c.delay = 3ms;
    SimLink link(c);
    std::vector<std::uint8_t> buf;
    link.send(Side::A, packet(1), Time{1'000});
    CHECK(link.next_deadline() == Time{4'000});
    CHECK(link.next_deadline(Side::B) == Time{4'000});
    CHECK_FALSE(link.next_deadline(Side::A));
    CHECK_FALSE(link.poll(Side::B, Time{3'999}, buf));
    CHECK_FALSE(link.poll(Side::A, Time{9'000}, buf));
    CHECK(link.poll(Side::B, Time{4'000}, buf) == Time{4'000});
    CHECK(buf == packet(1));
    CHECK_FALSE(link.next_deadline());
}

TEST_CASE("sim link: packets due together come out in send order") {
    SimLink link;
    std::vector<std::uint8_t> buf;
    for (std::uint8_t i = 0; i < 20; ++i) link.send(Side::B, packet(i), Time{0});
    for (std::uint8_t i = 0; i < 20; ++i) {
        REQUIRE(link.poll(Side::A, Time{0}, buf));
        CHECK(buf == packet(i));
    }
    CHECK_FALSE(link.poll(Side::A, Time{0}, buf));
}

TEST_CASE("sim link: each direction has its own faults, delay and counters") {
    FaultConfig lossy, slow;
    lossy.drop_pct = 100;
    slow.delay = 50ms;
    SimLink link(lossy, slow);
    std::vector<std::uint8_t> buf;
    link.send(Side::A, packet(1), Time{0});
    link.send(Side::B, packet(2), Time{0});
    CHECK(link.from(Side::A).counters().dropped == 1);
    CHECK(link.from(Side::B).counters().dropped == 0);
    CHECK(link.next_deadline() == Time{50'000});
    CHECK(link.poll(Side::A, Time{50'000}, buf));
    CHECK(buf == packet(2));
    CHECK(link.from(Side::B).counters().delivered == 1);
}

TEST_CASE("sim link: a shared seeded config gives the two directions different losses") {
    FaultConfig c;
    c.drop_pct = 50;
    c.seed = 1;
    SimLink link(c);
    std::vector<std::uint8_t> buf;
    std::vector<int> lost_ab, lost_ba;
    for (int i = 0; i < 64; ++i) {
        link.send(Side::A, packet(1), Time{i});
        link.send(Side::B, packet(2), Time{i});
        if (!link.poll(Side::B, Time{i}, buf)) lost_ab.push_back(i);
        if (!link.poll(Side::A, Time{i}, buf)) lost_ba.push_back(i);
    }
    CHECK(lost_ab != lost_ba);
    CHECK(!lost_ab.empty());
}

TEST_CASE("sim link: the tap sees a packet leave before the faults and arrive after them") {
    FaultConfig c;
    c.corrupt_pct = 100;
    c.delay = 1ms;
    c.seed = 9;
    SimLink link(c, FaultConfig{});
    using Seen = std::tuple<Side, l2::TapDir, std::vector<std::uint8_t>, Time>;
    std::vector<Seen> seen;
    link.set_tap([&](Side s, l2::TapDir d, base::Bytes p, Time t) {
        seen.emplace_back(s, d, std::vector<std::uint8_t>(p.begin(), p.end()), t);
    });
    std::vector<std::uint8_t> buf;
    link.send(Side::A, packet(7), Time{0});
    REQUIRE(link.poll(Side::B, Time{5'000}, buf));
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == Seen{Side::A, l2::TapDir::Out, packet(7), Time{0}});
    CHECK(std::get<0>(seen[1]) == Side::B);
    CHECK(std::get<1>(seen[1]) == l2::TapDir::In);
    CHECK(std::get<2>(seen[1]) == buf);
    CHECK(buf != packet(7));               // corrupted on the way
    CHECK(std::get<3>(seen[1]) == Time{1'000});  // the delivery time, not the poll time
}

TEST_CASE("sim link: a bandwidth limit serializes packets and a full queue drops the tail") {
    FaultConfig c;
    c.bandwidth = 1'000'000;  // 1500 bytes take 1.5 ms
    c.delay = 10ms;
    c.queue_limit = 3;
    SimLink link(c);
    for (std::uint8_t i = 0; i < 5; ++i) link.send(Side::A, packet(i, 1500), Time{0});
    CHECK(link.from(Side::A).counters().overflowed == 2);
    std::vector<std::uint8_t> buf;
    std::vector<Time> times;
    while (auto next = link.next_deadline())
        while (auto at = link.poll(Side::B, *next, buf)) times.push_back(*at);
    CHECK(times == std::vector<Time>{Time{11'500}, Time{13'000}, Time{14'500}});
}
