// "No heap allocation per segment in the steady state", one layer up from
// test_alloc.cpp: two hosts (raw-mode interfaces, IPv4 packets with no
// link header) joined by a fixed ring of packet buffers, while every
// operator new in the process is counted. After a warm-up, a megabyte one
// way and a thousand small request/reply exchanges must not allocate: not
// in the host's demultiplexing, its timer set (a connection's deadline
// moves with nearly every segment), nor its output path.
#include <doctest/doctest.h>

#include <array>
#include <memory>
#include <vector>

#include "alloc_count.hpp"
#include "base/log.hpp"
#include "hosts.hpp"

using namespace std::chrono_literals;
using host::Time;

namespace {

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;

struct Ring {
    struct Slot {
        std::array<std::uint8_t, 1600> bytes;
        std::size_t len;
    };
    std::vector<Slot> slots = std::vector<Slot>(512);
    std::size_t head = 0, count = 0;
};

struct End final : host::FrameSink {
    Ring* to = nullptr;
    std::unique_ptr<host::Host> h;
    int i = 0;
    int transmit(base::Bytes p) override {
        REQUIRE(to->count < to->slots.size());
        REQUIRE(p.size() <= 1600);
        auto& s = to->slots[(to->head + to->count) % to->slots.size()];
        std::copy(p.begin(), p.end(), s.bytes.begin());
        s.len = p.size();
        ++to->count;
        return 0;
    }
};

struct Pair {
    Ring to_a, to_b;
    End a, b;
    Time now{0};
    Pair() {
        for (End* e : {&a, &b}) {
            host::Config c = simhost::Lan::default_config();
            c.kernel_owns_addresses = true;
            c.kernel_route = [](std::uint32_t, Time) -> std::optional<host::RouteInfo> {
                return host::RouteInfo{1500, false};
            };
            e->to = e == &a ? &to_b : &to_a;
            e->h = std::make_unique<host::Host>(c);
            e->i = e->h->add_interface({"raw", l2::Framing::Ipv4, 65535, {0, 0}, {}, false}, *e);
        }
    }
    void deliver(Ring& r, End& e) {
        while (r.count) {
            auto& s = r.slots[r.head];
            r.head = (r.head + 1) % r.slots.size();
            --r.count;
            e.h->on_frame(e.i, base::Bytes(s.bytes.data(), s.len), true, now);
        }
        e.h->end_of_batch(now);
        e.h->poll(now);
    }
    void turn() {
        deliver(to_a, a);
        deliver(to_b, b);
        now += 100us;
    }
};

}  // namespace

TEST_CASE("host sim: no heap allocation per segment in the steady state (bulk, then request/reply)") {
    const logx::Level before = logx::level(logx::Channel::stack);
    logx::set_level(logx::Level::warning);  // debug lines format strings; measure the host
    Pair p;
    auto l = p.b.h->listen(0, 8080, 8, {});
    REQUIRE(l.ok());
    const auto c = p.a.h->connect({kA, 40000, kB, 8080}, {}, p.now, 0s);
    REQUIRE(c.ok());
    host::SocketId s = 0;
    static std::array<std::uint8_t, 65536> chunk{}, buf{};
    std::uint64_t got = 0;
    auto bulk = [&](std::uint64_t bytes) {
        const std::uint64_t until = got + bytes;
        for (int k = 0; k < 200000 && got < until; ++k) {
            p.turn();
            if (s == 0) s = p.b.h->accept(l.value).value.id;
            p.a.h->send(c.value, chunk, p.now);
            if (s == 0) continue;
            while (std::size_t n = p.b.h->recv(s, buf, p.now)) got += n;
        }
        REQUIRE(got >= until);
    };
    // One small request from A, B's reply, as an echo server's round trip.
    auto exchanges = [&](int n) {
        for (int k = 0; k < n; ++k) {
            REQUIRE(p.a.h->send(c.value, base::Bytes(chunk).first(64), p.now) == 64);
            std::size_t at_b = 0, at_a = 0;
            for (int t = 0; t < 100 && at_b < 64; ++t) {
                p.turn();
                at_b += p.b.h->recv(s, buf, p.now);
            }
            REQUIRE(p.b.h->send(s, base::Bytes(chunk).first(64), p.now) == 64);
            for (int t = 0; t < 100 && at_a < 64; ++t) {
                p.turn();
                at_a += p.a.h->recv(c.value, buf, p.now);
            }
            REQUIRE(at_a == 64);
        }
    };
    // What A still had queued reaches B and is read: the pipe is empty.
    auto drain = [&] {
        for (int t = 0; t < 500; ++t) {
            p.turn();
            while (p.b.h->recv(s, buf, p.now)) {
            }
        }
    };
    bulk(2 << 20);  // warm: the buffers grow to what the transfer needs
    drain();
    exchanges(50);
    alloc_count::start();
    bulk(1 << 20);
    const std::uint64_t n1 = alloc_count::stop();
    drain();
    alloc_count::start();
    exchanges(1000);
    const std::uint64_t n2 = alloc_count::stop();
    logx::set_level(before);
    CHECK(n1 == 0);
    CHECK(n2 == 0);
}
