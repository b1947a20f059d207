// The event-driven API (stack/events.hpp) and the server's generic Session
// driver (app/session_driver.hpp), end to end: two stacks joined by a
// datagram socketpair (tests/unit/pair_device.hpp); the client side uses the
// blocking API, the server side runs every connection on its loop thread.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "app/services.hpp"
#include "app/session_driver.hpp"
#include "two_stacks.hpp"
#include "stack/events.hpp"
#include "stack/stack.hpp"

namespace {

using testdev::kA;
using testdev::kB;
using testdev::pattern;
using testdev::TwoStacks;

template <class S>
app::SessionFactory factory() {
    return [] { return std::make_unique<S>(); };
}

// The driver's connection count, read on its loop thread.
std::size_t live(stack::Stack& st, const app::SessionServer& s) {
    std::size_t n = 0;
    st.run_on_loop([&](stack::Loop&) { n = s.connections(); });
    return n;
}

// Sends `data` on `c` (from another thread, then a FIN) while reading what
// comes back until the peer's FIN: it closed after ours.
std::vector<std::uint8_t> echoed(stack::Socket& c, const std::vector<std::uint8_t>& data) {
    std::thread writer([&] {
        CHECK(c.send(data) == base::Err::None);
        CHECK(c.shutdown_write() == base::Err::None);
    });
    std::vector<std::uint8_t> got, buf(8192);
    for (;;) {
        auto r = c.recv(buf);
        REQUIRE(r);
        if (r.value == 0) break;
        got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(r.value));
    }
    writer.join();
    return got;
}

}  // namespace

TEST_CASE("events: echo through the Session driver, 300 KB byte-exact, then both FINs") {
    TwoStacks n;
    app::SessionServer echo("", factory<app::EchoSession>());
    base::Err err = base::Err::Failed;
    REQUIRE(n.b->run_on_loop([&](stack::Loop& l) { err = echo.listen(l, 0, 7, 8).err; }));
    REQUIRE(err == base::Err::None);

    auto c = n.a->connect(kB, 7, stack::Millis(2000));
    REQUIRE(c);
    const auto data = pattern(300 * 1024);  // more than the send buffer: back-pressure both ways
    CHECK(echoed(c.value, data) == data);
    CHECK(c.value.close() == base::Err::None);
    // The driver forgets the connection once both FINs are acknowledged.
    for (int i = 0; i < 200 && live(*n.b, echo) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(live(*n.b, echo) == 0);
    n.b->shutdown();  // the loop stops before `echo`, which it calls, is destroyed
}

TEST_CASE("events: daytime speaks first and closes; discard answers nothing; no thread each") {
    TwoStacks n;
    app::SessionServer daytime("daytime", factory<app::DaytimeSession>());
    app::SessionServer discard("discard", factory<app::DiscardSession>());
    REQUIRE(n.b->run_on_loop([&](stack::Loop& l) {
        REQUIRE(daytime.listen(l, 0, 13, 64));
        REQUIRE(discard.listen(l, 0, 9, 64));
    }));
    std::vector<stack::Socket> held;
    for (int i = 0; i < 20; ++i) {  // 20 open at once on one loop thread
        auto d = n.a->connect(kB, 9, stack::Millis(2000));
        REQUIRE(d);
        const std::uint8_t junk[100] = {1, 2, 3};
        CHECK(d.value.send(junk) == base::Err::None);
        held.push_back(std::move(d.value));
    }
    for (int i = 0; i < 200 && live(*n.b, discard) != 20; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(live(*n.b, discard) == 20);

    auto t = n.a->connect(kB, 13, stack::Millis(2000));
    REQUIRE(t);
    std::string line;
    std::uint8_t buf[256];
    for (;;) {
        auto r = t.value.recv(buf);
        REQUIRE(r);
        if (r.value == 0) break;
        line.append(reinterpret_cast<char*>(buf), r.value);
    }
    REQUIRE(line.size() > 2);
    CHECK(line.substr(line.size() - 2) == "\r\n");
    t.value.close();

    for (auto& d : held) {
        CHECK(d.shutdown_write() == base::Err::None);
        auto r = d.recv(buf);  // discard closes after our FIN, having sent nothing
        CHECK(r);
        CHECK(r.value == 0);
        d.close();
    }
    n.b->shutdown();  // the loop stops before the servers it calls are destroyed
}

TEST_CASE("sessions: echo stops wanting input at its limit; daytime ends after its line") {
    app::EchoSession e;
    const auto chunk = pattern(app::EchoSession::kMaxPending);
    CHECK(e.wants_input());
    e.feed(chunk);
    CHECK_FALSE(e.wants_input());  // the peer is not reading: stop reading from it
    std::vector<std::uint8_t> out(1000);
    CHECK(e.produce(out) == 1000);
    CHECK(e.wants_input());
    CHECK_FALSE(e.finished());
    e.peer_closed();
    CHECK_FALSE(e.finished());  // still owes the rest
    std::vector<std::uint8_t> rest(chunk.size());
    CHECK(e.produce(rest) == chunk.size() - 1000);
    CHECK(e.finished());

    app::DaytimeSession d;
    CHECK_FALSE(d.finished());
    std::vector<std::uint8_t> line(128);
    const std::size_t n = d.produce(line);
    CHECK(n > 2);
    CHECK(d.finished());
    CHECK(d.produce(line) == 0);
}

namespace {

// A send buffer of `cap` bytes for Session::take(), in two pieces as a
// wrapped ring would give it.
struct FakeOutput final : app::Output {
    explicit FakeOutput(std::size_t cap) : buf(cap) {}
    base::SplitMutBytes room(std::size_t max) override {
        const std::size_t n = std::min(max, buf.size() - sent.size());
        const std::size_t half = n / 2;
        room_ = {base::MutBytes(buf.data(), half), base::MutBytes(buf.data() + half, n - half)};
        return room_;
    }
    std::size_t commit(std::size_t n) override {
        sent.insert(sent.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        return n;
    }
    std::vector<std::uint8_t> buf, sent;
    base::SplitMutBytes room_;
};

}  // namespace

TEST_CASE("sessions: echo take() copies straight to the send room and takes only what fits") {
    app::EchoSession e;
    const auto data = pattern(3000);
    const base::SplitBytes in{base::Bytes(data).first(1000), base::Bytes(data).subspan(1000)};
    FakeOutput out(2500);
    CHECK(e.take(in, out) == 2500);  // the rest stays with TCP: back-pressure
    CHECK(out.sent == std::vector<std::uint8_t>(data.begin(), data.begin() + 2500));
    CHECK_FALSE(e.has_output());  // it holds nothing of its own
    CHECK(e.wants_input());
    FakeOutput full(0);
    CHECK(e.take(in, full) == 0);
    e.peer_closed();
    CHECK(e.finished());

    app::DiscardSession d;  // frees what it is shown and never asks for room
    CHECK(d.take(in, full) == 3000);
    CHECK_FALSE(d.has_output());
}

namespace {

// The echo of stack/events.hpp's example: the bytes in place, one copy from
// the receive ring to the send ring, as raw Loop calls.
struct ViewEcho final : stack::Events {
    void on_event(stack::Loop& l, stack::SocketId id) override {
        if (id == listener) {
            while (auto a = l.accept(id, this)) {
                if (a.value.id == 0) break;
            }
            return;
        }
        const base::SplitBytes in = l.recv_view(id);
        const std::size_t n = base::copy_split(in, l.send_room(id, in.size()));
        CHECK(l.consume(id, l.commit(id, n)) == n);
        auto st = l.status(id);
        if (st && st->eof && st->readable == 0 && !closed) {
            closed = true;
            l.close(id);
        }
    }
    stack::SocketId listener = 0;
    bool closed = false;
};

}  // namespace

TEST_CASE("events: recv_view/consume and send_room/commit echo 200 KB through the rings in place") {
    TwoStacks n;
    ViewEcho echo;
    REQUIRE(n.b->run_on_loop([&](stack::Loop& l) {
        auto r = l.listen(0, 7, 8, &echo);
        REQUIRE(r);
        echo.listener = r.value;
    }));
    auto c = n.a->connect(kB, 7, stack::Millis(2000));
    REQUIRE(c);
    const auto data = pattern(200 * 1024);
    CHECK(echoed(c.value, data) == data);
    c.value.close();
    n.b->shutdown();
}
