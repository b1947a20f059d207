// The receive ring (link/packet_ring) over a ring of our own making, laid
// out as the kernel's tpacket_rcv writes TPACKET_V2 slots: tpacket2_hdr,
// sockaddr_ll, the frame at tp_mac; and the geometry it asks the kernel for.
#include <doctest/doctest.h>
#include <linux/if_packet.h>

#include <cstring>
#include <vector>

#include "link/packet_ring.hpp"

namespace {

constexpr std::size_t kFrame = 2048, kCount = 4;
constexpr std::uint16_t kMac = 66;  // where the kernel puts a 14-byte header

struct FakeRing {
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kFrame * kCount, 0);

    std::uint8_t* slot(std::size_t i) { return mem.data() + i * kFrame; }
    std::uint32_t status(std::size_t i) {
        std::uint32_t s;
        std::memcpy(&s, slot(i), 4);
        return s;
    }
    // The kernel hands slot i over: `len` bytes of `tag`, `snap` of them in the slot.
    void put(std::size_t i, std::uint8_t tag, std::uint32_t len, std::uint32_t extra = 0,
             unsigned char pkttype = PACKET_HOST, std::uint32_t snap = 0) {
        tpacket2_hdr h{};
        h.tp_status = TP_STATUS_USER | extra;
        h.tp_len = len;
        h.tp_snaplen = snap ? snap : len;
        h.tp_mac = kMac;
        std::memcpy(slot(i), &h, sizeof h);
        sockaddr_ll from{};
        from.sll_pkttype = pkttype;
        std::memcpy(slot(i) + TPACKET_ALIGN(sizeof(tpacket2_hdr)), &from, sizeof from);
        std::memset(slot(i) + kMac, tag, std::min<std::size_t>(h.tp_snaplen, kFrame - kMac));
    }
};

}  // namespace

TEST_CASE("RxRing: frames come in ring order, copied out, and each slot goes back to the kernel") {
    FakeRing f;
    l2::RxRing ring(f.mem.data(), kFrame, kCount);
    std::vector<std::uint8_t> buf(65536);
    CHECK_FALSE(ring.next(buf));  // nothing written yet
    for (std::size_t round = 0; round < 3; ++round) {  // wraps past the last slot
        f.put(0, 1, 60);
        f.put(1, 2, 1514, TP_STATUS_CSUMNOTREADY);
        auto a = ring.next(buf);
        REQUIRE(a);
        CHECK(a->length == 60);
        CHECK(buf[0] == 1);
        CHECK_FALSE(a->checksum_not_ready);
        CHECK(f.status(0) == TP_STATUS_KERNEL);
        auto b = ring.next(buf);
        REQUIRE(b);
        CHECK(b->length == 1514);
        CHECK(buf[1513] == 2);
        CHECK(b->checksum_not_ready);
        CHECK_FALSE(ring.next(buf));
        // Two more so the next round starts at slot 0 again.
        f.put(2, 3, 100);
        f.put(3, 4, 100);
        CHECK(ring.next(buf)->length == 100);
        CHECK(ring.next(buf)->length == 100);
        CHECK(buf[0] == 4);
    }
}

TEST_CASE("RxRing: our own frames are skipped, a cut one is counted, a copied one is handed on") {
    FakeRing f;
    l2::RxRing ring(f.mem.data(), kFrame, kCount);
    std::vector<std::uint8_t> buf(65536);
    f.put(0, 1, 80, 0, PACKET_OUTGOING);              // ours: skipped
    f.put(1, 2, 9000, 0, PACKET_HOST, 1900);          // cut, no copy: dropped
    f.put(2, 3, 9000, TP_STATUS_COPY, PACKET_HOST, 1900);  // whole on the socket
    f.put(3, 4, 70);
    auto c = ring.next(buf);
    REQUIRE(c);
    CHECK(c->copy);
    CHECK(ring.truncated() == 1);
    CHECK(f.status(0) == TP_STATUS_KERNEL);
    CHECK(f.status(1) == TP_STATUS_KERNEL);
    CHECK(f.status(2) == TP_STATUS_KERNEL);
    auto d = ring.next(buf);
    REQUIRE(d);
    CHECK(d->length == 70);
    CHECK(buf[0] == 4);
}

TEST_CASE("RxRing: a slot whose tp_mac or length points outside it is dropped, not read") {
    FakeRing f;
    l2::RxRing ring(f.mem.data(), kFrame, kCount);
    std::vector<std::uint8_t> buf(65536);
    f.put(0, 1, 2000);  // 66 + 2000 > 2048: would run past the slot
    tpacket2_hdr h;
    std::memcpy(&h, f.slot(0), sizeof h);
    h.tp_snaplen = 2000;
    std::memcpy(f.slot(0), &h, sizeof h);
    CHECK_FALSE(ring.next(buf));
    CHECK(ring.truncated() == 1);
}

TEST_CASE("ring_layout: slots hold a whole frame behind the headers, blocks hold whole slots") {
    const auto l = l2::ring_layout(1514, 4 << 20);
    CHECK(l.frame_size == 2048);
    CHECK(l.frame_count == 2048);
    CHECK(l.bytes() == (4u << 20));
    CHECK(l.block_size % l.frame_size == 0);
    CHECK(l.block_size % 4096 == 0);
    const auto j = l2::ring_layout(9014, 4 << 20);  // a jumbo MTU
    CHECK(j.frame_size == 16384);
    CHECK(j.frame_count * j.frame_size == j.bytes());
    // A 64 KiB MTU: slots stay at 16 KiB (larger frames come through the
    // socket), so 4 MiB still holds 256 of them.
    const auto big = l2::ring_layout(65535 + 14, 4 << 20);
    CHECK(big.frame_size == 16384);
    CHECK(big.frame_count == 256);
    CHECK(big.block_size % big.frame_size == 0);
}
