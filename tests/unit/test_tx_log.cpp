// The RACK-TLP transmission log (RFC 8985 6.1): it starts small, grows while
// more is in flight without losing the order of what it holds (also after
// its ring has wrapped), absorbs the excess in its newest entry at the
// bound, and holds no memory once nothing is in flight.
#include <doctest/doctest.h>

#include "tcp/tx_log.hpp"

namespace {
tcp::Time t(long us) { return tcp::Time(us); }
}  // namespace

TEST_CASE("TxLog grows on demand, keeps its order across a wrap, and is freed when empty") {
    tcp::TxLog log(100);
    CHECK(log.bytes() == 0);  // nothing sent: nothing held
    // Wrap the first 16-entry ring: 10 in, 8 acknowledged, 12 more.
    std::uint32_t seq = 1000;
    for (int i = 0; i < 10; ++i, seq += 100) log.on_send(seq, seq + 100, t(i));
    CHECK(log.bytes() == 16 * sizeof(tcp::TxSegment));
    int left = 0;
    log.on_cumulative_ack(1800, [&](const tcp::TxSegment&) { ++left; });
    CHECK(left == 8);
    for (int i = 0; i < 30; ++i, seq += 100) log.on_send(seq, seq + 100, t(100 + i));
    REQUIRE(log.size() == 32);
    CHECK(log.bytes() == 32 * sizeof(tcp::TxSegment));
    for (std::size_t i = 0; i < log.size(); ++i) {
        CHECK(log[i].start == 1800 + 100 * i);
        CHECK(log[i].end == log[i].start + 100);
    }
    // At the bound the newest entry takes the rest: nothing is dropped.
    for (int i = 0; i < 200; ++i, seq += 100) log.on_send(seq, seq + 100, t(1000 + i));
    CHECK(log.size() == 100);
    CHECK(log[99].end == seq);
    CHECK(log.bytes() == 100 * sizeof(tcp::TxSegment));
    // While anything is in flight the log stays; once all is acked it goes.
    log.release_if_empty();
    CHECK(log.bytes() > 0);
    log.on_cumulative_ack(seq, [](const tcp::TxSegment&) {});
    CHECK(log.empty());
    log.release_if_empty();
    CHECK(log.bytes() == 0);
    log.on_send(seq, seq + 10, t(5000));  // and comes back when needed
    CHECK(log.size() == 1);
    CHECK(log[0].start == seq);
}
