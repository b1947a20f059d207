// Batching (link/batch): the transmit batch against a fake sendmmsg that
// takes part of a batch, fails, or has no room; the TPACKET_V3 ring walk
// over a fake ring laid out in memory as the kernel lays it out, including
// blocks whose offsets lie.
#include <doctest/doctest.h>
#include <linux/if_packet.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "link/batch.hpp"

namespace {

std::vector<std::uint8_t> frame(std::uint8_t tag, std::size_t n) {
    return std::vector<std::uint8_t>(n, tag);
}

}  // namespace

TEST_CASE("TxBatch: frames keep their order and bytes across partial sends") {
    l2::TxBatch b(4096);
    for (std::uint8_t i = 0; i < 5; ++i) REQUIRE(b.add(frame(i, 100 + i), 10u + i));
    std::vector<std::vector<std::uint8_t>> wire;
    std::vector<std::uint32_t> dsts;
    int calls = 0;
    const auto f = b.flush([&](std::span<const l2::TxBatch::Item> items) {
        ++calls;
        const std::size_t take = std::min<std::size_t>(2, items.size());  // a short sendmmsg
        for (std::size_t i = 0; i < take; ++i) {
            wire.emplace_back(items[i].bytes.begin(), items[i].bytes.end());
            dsts.push_back(items[i].dst);
        }
        return static_cast<int>(take);
    });
    CHECK(calls == 3);
    CHECK(f.sent == 5);
    CHECK(f.dropped == 0);
    REQUIRE(wire.size() == 5);
    for (std::uint8_t i = 0; i < 5; ++i) {
        CHECK(wire[i] == frame(i, 100 + i));
        CHECK(dsts[i] == 10u + i);
    }
    CHECK(b.empty());
}

TEST_CASE("TxBatch: full by count or by bytes; a frame larger than the arena never fits") {
    l2::TxBatch b(1000);
    CHECK(b.add(frame(1, 600)));
    CHECK_FALSE(b.add(frame(2, 600)));  // no room beside the first
    CHECK_FALSE(b.fits_alone(1001));
    l2::TxBatch many(1 << 20);
    for (std::size_t i = 0; i < l2::TxBatch::kMaxFrames; ++i) REQUIRE(many.add(frame(3, 60)));
    CHECK_FALSE(many.add(frame(3, 60)));
    CHECK(many.size() == l2::TxBatch::kMaxFrames);
}

TEST_CASE("TxBatch: a refused frame is dropped alone; no room drops the rest") {
    l2::TxBatch b;
    for (std::uint8_t i = 0; i < 4; ++i) REQUIRE(b.add(frame(i, 64)));
    std::vector<std::uint8_t> sent_tags;
    auto f = b.flush([&](std::span<const l2::TxBatch::Item> items) {
        if (items[0].bytes[0] == 1) return -EMSGSIZE;  // this one frame
        sent_tags.push_back(items[0].bytes[0]);
        return 1;
    });
    CHECK(f.sent == 3);
    CHECK(f.dropped == 1);
    CHECK(f.last_error == EMSGSIZE);
    CHECK(sent_tags == std::vector<std::uint8_t>{0, 2, 3});

    for (std::uint8_t i = 0; i < 4; ++i) REQUIRE(b.add(frame(i, 64)));
    int calls = 0;
    f = b.flush([&](std::span<const l2::TxBatch::Item>) {
        return ++calls == 1 ? 1 : -ENOBUFS;
    });
    CHECK(calls == 2);  // not one failing call per frame
    CHECK(f.sent == 1);
    CHECK(f.dropped == 3);
    CHECK(b.empty());
    // EINTR is tried again.
    REQUIRE(b.add(frame(9, 64)));
    calls = 0;
    f = b.flush([&](std::span<const l2::TxBatch::Item>) { return ++calls == 1 ? -EINTR : 1; });
    CHECK(f.sent == 1);
    CHECK(f.dropped == 0);
}

namespace {

constexpr std::size_t kBlock = 4096;
constexpr std::size_t kHdr = TPACKET_ALIGN(sizeof(tpacket3_hdr));

// A block as the kernel fills it: the descriptor, then frames of
// tpacket3_hdr + sockaddr_ll + (at tp_mac) the frame's bytes.
struct FakeRing {
    std::vector<std::uint8_t> mem;
    explicit FakeRing(std::size_t blocks) : mem(kBlock * blocks, 0) {}

    tpacket_block_desc* desc(std::size_t b) {
        return reinterpret_cast<tpacket_block_desc*>(mem.data() + b * kBlock);
    }
    void fill(std::size_t b, const std::vector<std::vector<std::uint8_t>>& frames,
              std::uint8_t pkttype = PACKET_HOST, std::uint32_t status = 0) {
        std::uint8_t* base = mem.data() + b * kBlock;
        std::size_t off = TPACKET_ALIGN(sizeof(tpacket_block_desc));
        desc(b)->hdr.bh1.offset_to_first_pkt = static_cast<std::uint32_t>(off);
        desc(b)->hdr.bh1.num_pkts = static_cast<std::uint32_t>(frames.size());
        for (std::size_t i = 0; i < frames.size(); ++i) {
            tpacket3_hdr h{};
            h.tp_mac = static_cast<std::uint16_t>(kHdr + TPACKET_ALIGN(sizeof(sockaddr_ll)));
            h.tp_snaplen = h.tp_len = static_cast<std::uint32_t>(frames[i].size());
            h.tp_status = status;
            const std::size_t len = TPACKET_ALIGN(h.tp_mac + frames[i].size());
            h.tp_next_offset = i + 1 < frames.size() ? static_cast<std::uint32_t>(len) : 0;
            std::memcpy(base + off, &h, sizeof h);
            sockaddr_ll sll{};
            sll.sll_pkttype = pkttype;
            std::memcpy(base + off + kHdr, &sll, sizeof sll);
            std::memcpy(base + off + h.tp_mac, frames[i].data(), frames[i].size());
            off += len;
        }
        desc(b)->hdr.bh1.block_status = TP_STATUS_USER;
    }
};

}  // namespace

TEST_CASE("RingWalker: frames in order across blocks; a block goes back once walked") {
    FakeRing ring(3);
    ring.fill(0, {frame(1, 60), frame(2, 1514)}, PACKET_HOST, TP_STATUS_CSUMNOTREADY);
    ring.fill(1, {frame(3, 42)});
    l2::RingWalker w(ring.mem.data(), kBlock, 3);
    auto f = w.next();
    REQUIRE(f);
    CHECK(std::vector<std::uint8_t>(f->bytes.begin(), f->bytes.end()) == frame(1, 60));
    CHECK((f->status & TP_STATUS_CSUMNOTREADY) != 0);
    CHECK(f->pkttype == PACKET_HOST);
    f = w.next();
    REQUIRE(f);
    CHECK(f->bytes.size() == 1514);
    CHECK(f->bytes[1513] == 2);
    CHECK(ring.desc(0)->hdr.bh1.block_status == TP_STATUS_USER);  // its bytes are still in use
    f = w.next();
    REQUIRE(f);
    CHECK(f->bytes[0] == 3);
    CHECK(ring.desc(0)->hdr.bh1.block_status == TP_STATUS_KERNEL);
    CHECK_FALSE(w.next());  // block 2 is the kernel's
    CHECK(ring.desc(1)->hdr.bh1.block_status == TP_STATUS_KERNEL);
    CHECK(w.blocks_released() == 2);
    // The kernel fills block 2, then block 0 again: the walk comes round.
    ring.fill(2, {frame(4, 60)});
    ring.fill(0, {frame(5, 60)});
    CHECK(w.next()->bytes[0] == 4);
    CHECK(w.next()->bytes[0] == 5);
    CHECK_FALSE(w.next());
    CHECK(w.malformed() == 0);
}

TEST_CASE("RingWalker: an empty block is handed back; frames we sent are marked") {
    FakeRing ring(2);
    ring.fill(0, {});
    ring.fill(1, {frame(7, 60)}, PACKET_OUTGOING);
    l2::RingWalker w(ring.mem.data(), kBlock, 2);
    auto f = w.next();
    REQUIRE(f);
    CHECK(f->pkttype == PACKET_OUTGOING);
    CHECK(ring.desc(0)->hdr.bh1.block_status == TP_STATUS_KERNEL);
}

TEST_CASE("RingWalker: offsets that leave the block are counted, never read") {
    FakeRing ring(2);
    ring.fill(0, {frame(1, 60), frame(2, 60)});
    ring.fill(1, {frame(3, 60)});
    auto* h = reinterpret_cast<tpacket3_hdr*>(ring.mem.data() + ring.desc(0)->hdr.bh1.offset_to_first_pkt);
    SUBCASE("snaplen past the end") { h->tp_snaplen = kBlock; }
    SUBCASE("first frame past the end") { ring.desc(0)->hdr.bh1.offset_to_first_pkt = kBlock - 8; }
    SUBCASE("more frames than the chain holds") {
        h->tp_next_offset = 0;  // a non-last frame that does not move on
    }
    l2::RingWalker w(ring.mem.data(), kBlock, 2);
    std::vector<std::uint8_t> tags;
    while (auto f = w.next()) tags.push_back(f->bytes[0]);
    CHECK(w.malformed() == 1);
    CHECK(tags.back() == 3);  // the next block is walked as usual
    CHECK(tags.size() <= 2);
    CHECK(ring.desc(0)->hdr.bh1.block_status == TP_STATUS_KERNEL);
}
