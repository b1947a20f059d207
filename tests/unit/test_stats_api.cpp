// Stack::tcp_report(), what --stats prints: the live connection with its
// state and counters, the host's totals once it has closed, and the fault
// injector's counts, through the blocking API over two stacks.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "echo_server.hpp"
#include "pair_device.hpp"
#include "stack/stack.hpp"

using namespace std::chrono_literals;

TEST_CASE("stack API: tcp_report() shows the live connection, then the closed totals, and the injector's drop") {
    auto [da, db] = testdev::make_pair();
    REQUIRE(da);
    stack::StackOptions oa, ob;
    oa.device = std::move(da);
    oa.address = 0x0a000001;
    ob.device = std::move(db);
    ob.address = 0x0a000002;
    oa.tcp.msl = ob.tcp.msl = 50ms;
    oa.watch.faults.drop_nth = {3};  // SYN, ACK, then the first data segment
    auto a = stack::Stack::open(std::move(oa));
    auto b = stack::Stack::open(std::move(ob));
    CHECK_FALSE(b->tcp_report().faults);  // no fault flag: no counts

    auto l = b->listen(0, 7000);
    REQUIRE(l);
    std::thread server([&] { testdev::echo_once(l.value); });
    auto c = a->connect(0x0a000002, 7000, 5000ms);
    REQUIRE(c);
    const std::uint8_t msg[] = {'h', 'e', 'l', 'l', 'o'};
    REQUIRE(c.value.send(msg) == stack::Err::None);
    std::vector<std::uint8_t> buf(64);
    REQUIRE(c.value.recv(buf));  // after the lost segment was sent again

    const auto live = a->tcp_report();
    REQUIRE(live.connections.live.size() == 1);
    const auto& conn = live.connections.live[0];
    CHECK(conn.tuple.remote_port == 7000);
    CHECK(conn.info.state == tcp::State::Established);
    CHECK(conn.stats.retransmits >= 1);
    CHECK(conn.stats.bytes_acked == 5);
    CHECK(live.connections.closed == 0);
    REQUIRE(live.faults);
    CHECK(live.faults->dropped_nth == 1);

    CHECK(c.value.close() == stack::Err::None);
    server.join();
    // TIME-WAIT is 2*MSL = 100 ms: then the connection is in the totals.
    stack::TcpReport after;
    for (int i = 0; i < 300; ++i) {
        after = a->tcp_report();
        if (after.connections.closed == 1) break;
        std::this_thread::sleep_for(10ms);
    }
    CHECK(after.connections.live.empty());
    CHECK(after.connections.closed == 1);
    CHECK(after.connections.closed_stats.retransmits == conn.stats.retransmits);
    CHECK(after.connections.closed_stats.bytes_out == 5);
}
