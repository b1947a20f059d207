// The socket API end to end, two stacks in one process joined by a datagram
// socketpair (tests/unit/pair_device.hpp): the event loop, demux, listener
// backlog, blocking calls and their error kinds, with the real TCP engine.
#include <doctest/doctest.h>

#include <future>
#include <thread>
#include <vector>

#include "echo_server.hpp"
#include "two_stacks.hpp"
#include "stack/stack.hpp"

namespace {

using testdev::kA;
using testdev::kB;
using testdev::pattern;
using testdev::TwoStacks;

}  // namespace

TEST_CASE("stack API: connect, 200 KB echoed byte-exact, orderly close") {
    TwoStacks n;
    auto l = n.b->listen(0, 7, 8);
    REQUIRE(l);
    std::thread server([&] { testdev::echo_once(l.value); });

    auto c = n.a->connect(kB, 7, stack::Millis(2000));
    REQUIRE(c);
    CHECK(c.value.tuple().local_ip == kA);
    CHECK(c.value.tuple().remote_port == 7);
    const auto data = pattern(200 * 1024);
    std::vector<std::uint8_t> got;
    std::thread reader([&] {
        std::vector<std::uint8_t> buf(4096);
        for (;;) {
            auto r = c.value.recv(buf);
            if (!r || r.value == 0) break;
            got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(r.value));
        }
    });
    CHECK(c.value.send(data) == stack::Err::None);
    CHECK(c.value.shutdown_write() == stack::Err::None);
    reader.join();
    CHECK(got == data);
    CHECK(c.value.close() == stack::Err::None);
    server.join();
    const auto ca = n.a->counters();
    CHECK(ca.connections_opened == 1);
    CHECK(ca.malformed_total() == 0);
}

TEST_CASE("stack API: nothing listening -> refused (the stack owning its address sends RST)") {
    TwoStacks n;
    auto c = n.a->connect(kB, 9, stack::Millis(2000));
    CHECK(c.err == stack::Err::Refused);
    CHECK(n.b->counters().resets_sent == 1);
}

TEST_CASE("stack API: no answer -> timed out after the caller's timeout") {
    TwoStacks n;
    n.a_blackhole->store(true);
    auto c = n.a->connect(kB, 7, stack::Millis(150));
    CHECK(c.err == stack::Err::TimedOut);
}

TEST_CASE("stack API: a listen port is ours once; a second listen fails") {
    TwoStacks n;
    auto l1 = n.b->listen(0, 80, 4);
    REQUIRE(l1);
    CHECK(n.b->listen(kB, 80, 4).err == stack::Err::AddrInUse);
    l1.value.close();
}

TEST_CASE("stack API: 40 connections at once, all accepted and served") {
    TwoStacks n;
    auto l = n.b->listen(0, 7, 64);
    REQUIRE(l);
    std::atomic<int> served{0};
    std::thread acceptor([&] {
        std::vector<std::thread> workers;
        for (int i = 0; i < 40; ++i) {
            auto s = l.value.accept();
            REQUIRE(s);
            workers.emplace_back([&, sock = std::move(s.value)]() mutable {
                std::uint8_t buf[256];
                auto r = sock.recv(buf);
                if (r && r.value) sock.send({buf, r.value});
                sock.close();
                ++served;
            });
        }
        for (auto& w : workers) w.join();
    });
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int i = 0; i < 40; ++i) {
        clients.emplace_back([&, i] {
            auto c = n.a->connect(kB, 7, stack::Millis(5000));
            if (!c) return;
            const std::string msg = "client " + std::to_string(i);
            c.value.send({reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()});
            std::uint8_t buf[256];
            auto r = c.value.recv(buf);
            if (r && std::string(reinterpret_cast<char*>(buf), r.value) == msg) ++ok;
            c.value.close();
        });
    }
    for (auto& t : clients) t.join();
    acceptor.join();
    CHECK(ok == 40);
    CHECK(served == 40);
}

TEST_CASE("stack API: a full accept queue drops SYNs instead of growing") {
    TwoStacks n;
    auto l = n.b->listen(0, 7, 1);  // nobody calls accept()
    REQUIRE(l);
    auto first = n.a->connect(kB, 7, stack::Millis(2000));
    REQUIRE(first);
    auto second = n.a->connect(kB, 7, stack::Millis(300));
    CHECK(second.err == stack::Err::TimedOut);
    CHECK(n.b->counters().syn_dropped_backlog >= 1);
}

TEST_CASE("stack API: malformed packets are dropped and counted by reason") {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    stack::StackOptions o;
    o.device = std::make_unique<testdev::PairDevice>(fds[0]);
    o.address = kB;
    auto st = stack::Stack::open(std::move(o));
    const std::uint8_t runt[6] = {0x45, 0, 0, 6, 0, 0};
    REQUIRE(::send(fds[1], runt, sizeof runt, 0) == sizeof runt);
    std::uint8_t v6[20] = {0x60};
    REQUIRE(::send(fds[1], v6, sizeof v6, 0) == sizeof v6);
    stack::Counters c;
    for (int i = 0; i < 100 && c.packets_in < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        c = st->counters();
    }
    CHECK(c.packets_in == 2);
    CHECK(c.malformed_total() == 2);
    CHECK(c.malformed[static_cast<std::size_t>(base::ParseError::Truncated)] == 1);
    CHECK(c.malformed[static_cast<std::size_t>(base::ParseError::BadVersion)] == 1);
    ::close(fds[1]);
}

TEST_CASE("stack API: shutdown() answers every blocked call") {
    TwoStacks n;
    auto l = n.b->listen(0, 7, 4);
    REQUIRE(l);
    std::promise<stack::Err> accept_result;
    std::thread t([&] { accept_result.set_value(l.value.accept().err); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    n.b->shutdown();
    CHECK(accept_result.get_future().get() == stack::Err::Shutdown);
    t.join();
    CHECK(n.b->listen(0, 8, 4).err == stack::Err::Shutdown);
}

namespace {

// A connected pair: `c` at A (the client), `s` at B (accepted).
struct Connected {
    TwoStacks n;
    stack::Socket c, s;
    Connected() {
        auto l = n.b->listen(0, 7, 4);
        REQUIRE(l);
        auto cc = n.a->connect(kB, 7, stack::Millis(2000));
        REQUIRE(cc);
        auto ss = l.value.accept();
        REQUIRE(ss);
        c = std::move(cc.value);
        s = std::move(ss.value);
    }
};

}  // namespace

TEST_CASE("stack API: send() returns once its bytes are in the send buffer; they all arrive, then the FIN") {
    Connected p;
    // Nobody reads at B yet: B's first window (64 KiB: it grows only as B
    // reads) and A's send ring (256 KiB) fill, and the rest waits in A's
    // outbox (stack/outbox.hpp, 256 KiB). A send that waited for the ring
    // to take every byte would never return here.
    const auto data = pattern(500 * 1024);
    std::promise<stack::Err> sent;
    std::thread writer([&] { sent.set_value(p.c.send(data)); });
    auto f = sent.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(f.get() == stack::Err::None);
    writer.join();
    // The FIN goes after every byte that send() took.
    std::promise<stack::Err> shut;
    std::thread closer([&] { shut.set_value(p.c.shutdown_write()); });
    std::vector<std::uint8_t> got, buf(65536);
    for (;;) {
        auto r = p.s.recv(buf);
        REQUIRE(r);
        if (r.value == 0) break;
        got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(r.value));
    }
    closer.join();
    CHECK(shut.get_future().get() == stack::Err::None);
    CHECK(got == data);
    CHECK(p.s.close() == stack::Err::None);
    CHECK(p.c.close() == stack::Err::None);
}

TEST_CASE("stack API: a reset reaches a writer whose bytes wait in the send buffer") {
    Connected p;
    const auto data = pattern(256 * 1024);
    // The writer fills the window, the ring and the outbox and then blocks;
    // B resets.
    std::promise<stack::Err> blocked;
    std::thread writer([&] {
        stack::Err e = stack::Err::None;
        for (int i = 0; i < 50 && e == stack::Err::None; ++i) e = p.c.send(data);
        blocked.set_value(e);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p.s.abort();
    auto f = blocked.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(f.get() == stack::Err::Reset);
    writer.join();
    CHECK(p.c.send(data) == stack::Err::Reset);  // it sticks
}
