// Batching (link/batch): the transmit batch against a fake sendmmsg that
// takes part of a batch, fails, or has no room; the receive batch against a
// fake recvmmsg that fills messages as the kernel does for an AF_PACKET
// socket (sockaddr_ll, PACKET_AUXDATA, MSG_TRUNC).
#include <doctest/doctest.h>
#include <linux/if_packet.h>

#include <algorithm>
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

TEST_CASE("TxBatch: a frame in pieces is one frame, its pieces joined in order; the pieces' total must fit") {
    l2::TxBatch b(1000);
    const auto h = frame(7, 10), p1 = frame(8, 300), p2 = frame(9, 200);
    const base::Bytes pieces[4] = {h, p1, {}, p2};  // an empty span adds nothing
    REQUIRE(b.add_pieces(pieces, 42));
    REQUIRE(b.size() == 1);
    const base::Bytes too_big[2] = {p1, frame(1, 500)};  // 800 beside the 510 queued
    CHECK_FALSE(b.add_pieces(too_big));
    std::vector<std::uint8_t> wire;
    b.flush([&](std::span<const l2::TxBatch::Item> items) {
        wire.assign(items[0].bytes.begin(), items[0].bytes.end());
        CHECK(items[0].dst == 42);
        return 1;
    });
    std::vector<std::uint8_t> want = h;
    want.insert(want.end(), p1.begin(), p1.end());
    want.insert(want.end(), p2.begin(), p2.end());
    CHECK(wire == want);
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

// What recvmmsg(2) on an AF_PACKET socket writes into one message: the
// frame's bytes, its length, the sockaddr_ll and the PACKET_AUXDATA cmsg.
struct FakeFrame {
    std::vector<std::uint8_t> bytes;
    std::uint8_t pkttype = PACKET_HOST;
    std::uint32_t status = 0;     // tpacket_auxdata.tp_status
    std::size_t wire_len = 0;     // longer than the slot: MSG_TRUNC
};

void deliver(mmsghdr& mm, const FakeFrame& f) {
    msghdr& m = mm.msg_hdr;
    const std::size_t n = std::min(f.bytes.size(), m.msg_iov[0].iov_len);
    std::memcpy(m.msg_iov[0].iov_base, f.bytes.data(), n);
    mm.msg_len = static_cast<unsigned>(n);
    m.msg_flags = f.wire_len > m.msg_iov[0].iov_len ? MSG_TRUNC : 0;
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_pkttype = f.pkttype;
    REQUIRE(m.msg_namelen >= sizeof sll);
    std::memcpy(m.msg_name, &sll, sizeof sll);
    REQUIRE(m.msg_controllen >= CMSG_SPACE(sizeof(tpacket_auxdata)));
    m.msg_controllen = CMSG_SPACE(sizeof(tpacket_auxdata));
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_PACKET;
    c->cmsg_type = PACKET_AUXDATA;
    c->cmsg_len = CMSG_LEN(sizeof(tpacket_auxdata));
    tpacket_auxdata aux{};
    aux.tp_status = f.status;
    aux.tp_len = static_cast<std::uint32_t>(std::max(f.wire_len, f.bytes.size()));
    std::memcpy(CMSG_DATA(c), &aux, sizeof aux);
}

// A socket's queue: each call takes up to n frames, as recvmmsg does.
struct FakeSocket {
    std::vector<FakeFrame> queue;
    std::vector<unsigned> calls;  // the n of each call
    int err = EAGAIN;             // what an empty queue answers

    l2::RxBatch::RecvMany recv() {
        return [this](mmsghdr* msgs, unsigned n) {
            calls.push_back(n);
            if (queue.empty()) return -err;
            const std::size_t take = std::min<std::size_t>(n, queue.size());
            for (std::size_t i = 0; i < take; ++i) deliver(msgs[i], queue[i]);
            queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(take));
            return static_cast<int>(take);
        };
    }
};

}  // namespace

TEST_CASE("RxBatch: a lone frame comes at once, and a short batch ends the wake-up") {
    FakeSocket sock;
    l2::RxBatch rx;
    std::vector<std::uint8_t> buf(l2::RxBatch::kSlot);
    CHECK_FALSE(rx.next(buf, sock.recv()));  // nothing waiting
    CHECK(rx.last_error() == EAGAIN);
    CHECK(sock.calls.size() == 1);

    sock.queue.push_back({frame(7, 60), PACKET_HOST, TP_STATUS_CSUMNOTREADY});
    auto f = rx.next(buf, sock.recv());
    REQUIRE(f);
    CHECK(f->length == 60);
    CHECK(f->checksum_not_ready);
    CHECK(buf[0] == 7);
    // The batch was short, so the socket was empty: no second call.
    CHECK_FALSE(rx.next(buf, sock.recv()));
    CHECK(sock.calls.size() == 2);
    CHECK(sock.calls.back() == l2::RxBatch::kMaxFrames);
    // The next wake-up reads again.
    sock.queue.push_back({frame(8, 42)});
    f = rx.next(buf, sock.recv());
    REQUIRE(f);
    CHECK_FALSE(f->checksum_not_ready);
    CHECK(buf[41] == 8);
    CHECK(sock.calls.size() == 3);
}

TEST_CASE("RxBatch: 64 frames a call, in order, each with its own bytes") {
    FakeSocket sock;
    constexpr std::size_t kN = l2::RxBatch::kMaxFrames + 6;
    for (std::size_t i = 0; i < kN; ++i)
        sock.queue.push_back({frame(static_cast<std::uint8_t>(i), 60 + i)});
    l2::RxBatch rx;
    std::vector<std::uint8_t> buf(l2::RxBatch::kSlot);
    for (std::size_t i = 0; i < kN; ++i) {
        const auto f = rx.next(buf, sock.recv());
        REQUIRE(f);
        CHECK(f->length == 60 + i);
        CHECK(buf[0] == static_cast<std::uint8_t>(i));
        CHECK(buf[f->length - 1] == static_cast<std::uint8_t>(i));
    }
    CHECK(sock.calls.size() == 2);  // a full batch of 64, then the 6 left
    CHECK(rx.batches() == 2);
    CHECK_FALSE(rx.next(buf, sock.recv()));
    CHECK(sock.calls.size() == 2);
}

TEST_CASE("RxBatch: frames we sent are skipped, cut frames dropped and counted") {
    FakeSocket sock;
    sock.queue.push_back({frame(1, 60), PACKET_OUTGOING});
    sock.queue.push_back({frame(2, 100), PACKET_HOST, 0, l2::RxBatch::kSlot + 1});
    sock.queue.push_back({frame(3, 60)});
    l2::RxBatch rx;
    std::vector<std::uint8_t> buf(l2::RxBatch::kSlot);
    const auto f = rx.next(buf, sock.recv());
    REQUIRE(f);
    CHECK(buf[0] == 3);
    CHECK(rx.truncated() == 1);
    CHECK_FALSE(rx.next(buf, sock.recv()));
}

TEST_CASE("RxBatch: EINTR is retried; another error is reported, not a frame") {
    FakeSocket sock;
    l2::RxBatch rx;
    std::vector<std::uint8_t> buf(l2::RxBatch::kSlot);
    int calls = 0;
    auto f = rx.next(buf, [&](mmsghdr* msgs, unsigned) {
        if (++calls == 1) return -EINTR;
        deliver(msgs[0], {frame(5, 60)});
        return 1;
    });
    REQUIRE(f);
    CHECK(calls == 2);
    CHECK(buf[0] == 5);
    CHECK_FALSE(rx.next(buf, sock.recv()));  // the short batch's end
    sock.err = ENOSYS;
    CHECK_FALSE(rx.next(buf, sock.recv()));
    CHECK(rx.last_error() == ENOSYS);
}
