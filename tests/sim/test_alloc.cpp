// "No heap allocation per segment in the steady state": two
// connections exchange data through fixed buffers while every operator new in
// the process is counted. After a warm-up, a further megabyte each way must
// not allocate at all.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "alloc_count.hpp"
#include "base/log.hpp"
#include "tcp/connection.hpp"
#include "tcp/connection_impl.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::uint64_t> g_allocations{0};
std::atomic<std::int64_t> g_live{0};
// Each block carries its size in front, so that delete knows what it frees.
constexpr std::size_t kPrefix = alignof(std::max_align_t);
}  // namespace

void* operator new(std::size_t n) {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
    if (void* p = std::malloc(n + kPrefix)) {
        *static_cast<std::size_t*>(p) = n;
        g_live.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
        return static_cast<char*>(p) + kPrefix;
    }
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    if (!p) return;
    void* block = static_cast<char*>(p) - kPrefix;
    g_live.fetch_sub(static_cast<std::int64_t>(*static_cast<std::size_t*>(block)),
                     std::memory_order_relaxed);
    std::free(block);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
// The array forms too: a sanitizer's runtime would otherwise take them.
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }
// And the nothrow forms (std::stable_sort's temporary buffer uses them): a
// block from the runtime's own new must never reach our delete.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return operator new(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return operator new(n, std::nothrow);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { operator delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { operator delete(p); }

namespace alloc_count {
void start() {
    g_allocations = 0;
    g_counting = true;
}
std::uint64_t stop() {
    g_counting = false;
    return g_allocations.load();
}
std::int64_t live_bytes() { return g_live.load(); }
}  // namespace alloc_count

namespace {
using namespace tcp;

// A fixed ring of packet buffers: the sinks write into it, the loop below
// delivers from it. Nothing here allocates after construction. `SlotBytes`
// holds the largest segment: an MSS, or a TSO super-segment.
template <std::size_t SlotBytes, std::size_t N>
struct FixedWireT : SegmentSink {
    struct Slot {
        std::array<std::uint8_t, SlotBytes> bytes;
        std::size_t len;
        std::uint32_t src, dst;
    };
    std::vector<Slot> slots = std::vector<Slot>(N);
    std::size_t head = 0, count = 0;
    std::uint64_t super_segments = 0;

    void send_segment(const Tuple& t, const Header& h, base::Bytes p1, base::Bytes p2,
                      std::uint16_t gso_size) override {
        REQUIRE(count < slots.size());
        Slot& s = slots[(head + count) % slots.size()];
        s.len = tcp::build(s.bytes, h, t.local_ip, t.remote_ip, p1, p2);
        REQUIRE(s.len > 0);
        s.src = t.local_ip;
        s.dst = t.remote_ip;
        ++count;
        if (gso_size) ++super_segments;
    }
};
using FixedWire = FixedWireT<1600, 512>;

// Two connections sending to each other at full speed: once warm (`warm`
// bytes each way, while the buffers and the RACK log grow to what the
// transfer needs), 1 MB each way must take no heap allocation. Returns A's
// super-segments.
template <class Wire>
std::uint64_t steady_state_allocations(const Config& cfg, std::uint64_t warm) {
    const logx::Level before = logx::level(logx::Channel::tcp);
    logx::set_level(logx::Level::warning);  // debug logging formats strings; measure the engine
    auto a_out = std::make_unique<Wire>(), b_out = std::make_unique<Wire>();
    const Tuple ta{0x0a000001, 1000, 0x0a000002, 2000}, tb{0x0a000002, 2000, 0x0a000001, 1000};
    Time now{0};
    auto a = Connection::connect(ta, cfg, 1, now, *a_out);
    std::unique_ptr<Connection> b;
    static std::array<std::uint8_t, 65536> chunk{}, sink{};
    std::uint64_t received_by_b = 0, received_by_a = 0;

    auto deliver = [&](Wire& w, Connection* to, bool to_b) {
        while (w.count) {
            auto& s = w.slots[w.head];
            w.head = (w.head + 1) % w.slots.size();
            --w.count;
            auto seg = tcp::parse(base::Bytes(s.bytes.data(), s.len), s.src, s.dst, true);
            REQUIRE(seg.ok());
            if (to_b && !b) {
                b = Connection::accept(tb, cfg, 7, seg.value, now, *b_out);
                continue;
            }
            (to ? to : b.get())->on_segment(seg.value, now);
        }
    };
    auto step = [&] {
        now += 100us;
        deliver(*a_out, b.get(), true);
        deliver(*b_out, a.get(), false);
        for (Connection* c : {a.get(), b.get()})
            if (c)
                if (auto d = c->next_deadline(); d && *d <= now) c->on_timer(now);
        if (b) {
            a->send(chunk, now);
            b->send(chunk, now);
            while (std::size_t n = b->recv(sink, now)) received_by_b += n;
            while (std::size_t n = a->recv(sink, now)) received_by_a += n;
        }
    };
    while (received_by_b < warm || received_by_a < warm) step();
    const std::uint64_t goal_b = received_by_b + (1u << 20), goal_a = received_by_a + (1u << 20);
    g_allocations = 0;
    g_counting = true;
    while (received_by_b < goal_b || received_by_a < goal_a) step();
    g_counting = false;
    logx::set_level(before);
    CHECK(g_allocations.load() == 0);
    CHECK(a->stats().segs_out > 700);
    return a_out->super_segments;
}
}  // namespace

TEST_CASE("no heap allocation per segment in the steady state") {
    CHECK(steady_state_allocations<FixedWire>({}, 1u << 20) == 0);
}

TEST_CASE("no heap allocation per segment in the steady state with TSO super-segments") {
    Config cfg;
    cfg.max_send_packet = 65535;  // a device that cuts segments into MSS pieces
    // The window opens faster and wider: the receive buffer and the log of
    // pieces in flight reach their size later than 1 MB in.
    CHECK(steady_state_allocations<FixedWireT<65600, 64>>(cfg, 8u << 20) > 0);
}

TEST_CASE("a half-open connection (SYN-RECEIVED) holds no send or receive buffer") {
    // RFC 4987 3.1: SYN-RECEIVED state is what a SYN flood exhausts; keep it
    // small. The rings and the RACK log come at the first byte, the rings
    // only as large as the data needs (they double up to their capacity).
    FixedWire a_out, b_out;
    const Tuple ta{0x0a000001, 1000, 0x0a000002, 2000}, tb{0x0a000002, 2000, 0x0a000001, 1000};
    auto a = Connection::connect(ta, {}, 1, Time{0}, a_out);
    auto& s = a_out.slots[0];
    auto syn = tcp::parse(base::Bytes(s.bytes.data(), s.len), s.src, s.dst, true);
    REQUIRE(syn.ok());
    const std::int64_t before = alloc_count::live_bytes();
    auto b = Connection::accept(tb, {}, 7, syn.value, Time{0}, b_out);
    const std::int64_t half_open = alloc_count::live_bytes() - before;
    REQUIRE(b->state() == State::SynReceived);
    MESSAGE("sizeof(ConnectionImpl) = " << sizeof(ConnectionImpl) << ", heap of a SYN-RECEIVED connection = "
            << half_open << " bytes");
    CHECK(half_open < 4096);
    // Data makes the send buffer appear, at its first size, not its capacity.
    static std::array<std::uint8_t, 1000> data{};
    CHECK(b->send(data, Time{0}) == data.size());
    const std::int64_t first = alloc_count::live_bytes() - before;
    MESSAGE("after 1000 bytes queued: " << first << " bytes, " << b->buffer_bytes() << " of them the rings");
    CHECK(b->buffer_bytes() == RingBuffer::kInitial);
    CHECK(first < 64 * 1024);
    // 100 KB queued: it doubles to hold them.
    static std::array<std::uint8_t, 100000> more{};
    CHECK(b->send(more, Time{0}) == more.size());
    CHECK(b->buffer_bytes() == 128 * 1024);
}
