// Raw mode's super-segments (InterfaceConfig::gso_to_local): toward one of
// the kernel's own addresses the route is lo, which cuts a TCP
// super-segment into MSS-sized pieces (link/raw_ip's frames on lo), so TCP
// may send them there; toward any other address a raw socket takes nothing
// longer than the route's MTU (raw(7)), so every segment is one MSS. Two
// raw-mode hosts wired back to back; what A hands to transmit_gso is cut
// as lo would (simhost::tso_segment) before B sees it.
#include <doctest/doctest.h>

#include <deque>

#include "hosts.hpp"

using namespace std::chrono_literals;
using host::Time;

namespace {

constexpr std::uint32_t kLocal = 0x7f000001;   // 127.0.0.1: the kernel's own
constexpr std::uint32_t kRemote = 0x0a000009;  // behind an Ethernet of MTU 1500

struct RawPair {
    struct End final : host::FrameSink {
        RawPair* pair = nullptr;
        int side = 0;
        std::unique_ptr<host::Host> h;
        int i = 0;
        std::uint64_t gso_packets = 0;
        std::size_t largest_sent = 0;  // handed to the sink
        std::size_t largest_piece = 0; // after lo's cutting
        std::uint64_t refused = 0;     // longer than the route's MTU: a raw socket says EMSGSIZE
        int transmit(base::Bytes p) override {
            largest_sent = std::max(largest_sent, p.size());
            if (p.size() > 1500) {
                ++refused;
                return EMSGSIZE;
            }
            largest_piece = std::max(largest_piece, p.size());
            pair->queue[1 - side].emplace_back(p.begin(), p.end());
            return 0;
        }
        int transmit_gso(base::Bytes p, std::uint16_t gso_size) override {
            ++gso_packets;
            largest_sent = std::max(largest_sent, p.size());
            // tso_segment cuts Ethernet frames; lo's header is 14 bytes too.
            std::vector<std::uint8_t> frame(l2::kEthHeaderLen);
            base::put_u16(&frame[12], l2::ethertype::IPv4);
            frame.insert(frame.end(), p.begin(), p.end());
            const auto pieces = simhost::tso_segment(frame, gso_size);
            REQUIRE(!pieces.empty());
            for (const auto& piece : pieces) {
                largest_piece = std::max(largest_piece, piece.size() - l2::kEthHeaderLen);
                pair->queue[1 - side].emplace_back(piece.begin() + l2::kEthHeaderLen, piece.end());
            }
            return 0;
        }
    };

    End a, b;
    std::deque<std::vector<std::uint8_t>> queue[2];  // to a, to b
    Time now{0};
    bool route_known = true;  // false: the kernel's route is not known (RouteCache's rate limit)
    std::size_t forget_route_after = SIZE_MAX;  // bytes B has received when route_known goes false

    RawPair(bool gso_to_local, std::uint32_t b_addr) {
        for (End* e : {&a, &b}) {
            host::Config c = simhost::Lan::default_config();
            c.kernel_owns_addresses = true;
            c.tcp.mss = 65495;  // no --mss: the route decides
            c.kernel_route = [this, b_addr](std::uint32_t dst, Time) -> std::optional<host::RouteInfo> {
                if (!route_known) return std::nullopt;
                if (dst == kLocal || dst == b_addr) return host::RouteInfo{1500, dst == kLocal};
                return std::nullopt;
            };
            e->pair = this;
            e->side = e == &a ? 0 : 1;
            e->h = std::make_unique<host::Host>(c);
            host::InterfaceConfig ic{"raw", l2::Framing::Ipv4, 65535, {0, 0}, {}, false};
            ic.gso_to_local = gso_to_local;
            e->i = e->h->add_interface(ic, *e);
        }
    }

    // Delivers what is queued, then runs the timers due; the clock moves
    // on by 100 us a turn.
    void turn() {
        for (int side : {0, 1}) {
            End& e = side == 0 ? a : b;
            auto q = std::move(queue[side]);
            queue[side].clear();
            for (const auto& p : q) e.h->on_frame(e.i, p, true, now);
            e.h->end_of_batch(now);
            e.h->poll(now);
        }
        now += 100us;
    }

    // `bytes` of patterned data from A:40000 to B:8080 at `b_addr`.
    std::vector<std::uint8_t> transfer(std::uint32_t b_addr, std::size_t bytes) {
        std::vector<std::uint8_t> data(bytes), got;
        for (std::size_t k = 0; k < bytes; ++k) data[k] = static_cast<std::uint8_t>(k * 131 + (k >> 11));
        auto l = b.h->listen(0, 8080, 8, {});
        REQUIRE(l.ok());
        const auto c = a.h->connect({kLocal, 40000, b_addr, 8080}, {}, now, 0s);
        REQUIRE(c.ok());
        host::SocketId s = 0;
        std::vector<std::uint8_t> buf(65536);
        std::size_t sent = 0;
        for (int k = 0; k < 200000 && got.size() < bytes; ++k) {
            turn();
            if (s == 0) s = b.h->accept(l.value).value.id;
            if (sent < bytes) sent += a.h->send(c.value, base::Bytes(data).subspan(sent), now);
            if (got.size() >= forget_route_after) route_known = false;
            if (s == 0) continue;
            while (std::size_t n = b.h->recv(s, buf, now)) got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        }
        CHECK(got == data);
        return got;
    }
};

}  // namespace

TEST_CASE("host sim: raw mode sends super-segments toward a local address when the device cuts them for lo") {
    RawPair p(true, kLocal);
    p.transfer(kLocal, 1000000);
    CHECK(p.a.gso_packets > 0);
    CHECK(p.a.largest_sent > 1500);    // super-segments reached the device
    CHECK(p.a.largest_piece <= 1500);  // and every piece fits the route's MTU
}

TEST_CASE("host sim: raw mode sends one MSS a packet toward other addresses, and without the device's lo way") {
    SUBCASE("to an address behind an Ethernet") {
        RawPair p(true, kRemote);
        p.transfer(kRemote, 300000);
        CHECK(p.a.gso_packets == 0);
        CHECK(p.a.largest_sent <= 1500);
    }
    SUBCASE("to a local address, the device without its lo way") {
        RawPair p(false, kLocal);
        p.transfer(kLocal, 300000);
        CHECK(p.a.gso_packets == 0);
        CHECK(p.a.largest_sent <= 1500);
    }
}

TEST_CASE("host sim: raw mode cuts a super-segment itself when the route is no longer known to be local") {
    // RFC 9293 3.7.1: a segment must fit the path the MSS was sized for.
    // The raw socket refuses one longer than the route's MTU, so a
    // super-segment that lo will not cut (the kernel's answer is missing:
    // the route cache's rate limit under a flood, or the address went) goes
    // in pieces of one MSS, as the kernel's GSO would cut it.
    RawPair p(true, kLocal);
    p.forget_route_after = 200000;
    p.transfer(kLocal, 1000000);
    CHECK(p.a.gso_packets > 0);  // before the route was forgotten
    CHECK(p.a.refused == 0);     // after it, nothing too long for the raw socket
    CHECK(p.a.largest_piece <= 1500);
}
