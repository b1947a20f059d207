// The pure parts of moving packets in batches: what the devices queue
// between two flushes, and the frames one recvmmsg(2) read from an
// AF_PACKET socket (packet(7)). The system calls come in as functions
// (link/packet, link/raw_ip pass sendmmsg and recvmmsg), so the tests drive
// these with a fake sender and a fake receiver.
#pragma once
#include <sys/socket.h>  // mmsghdr

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.hpp"

namespace l2 {

// Frames taken by send() and not yet handed to the kernel. Each is copied
// into one arena (the caller's buffer is reused for the next frame).
class TxBatch {
public:
    static constexpr std::size_t kMaxFrames = 64;

    struct Item {
        base::Bytes bytes;
        std::uint32_t dst = 0;  // raw mode: the IPv4 destination (host order)
    };
    // Sends items.front() onwards in one call: returns how many the kernel
    // took (at least 1), or -errno when it took none.
    using SendMany = std::function<int(std::span<const Item>)>;

    struct Flushed {
        std::size_t sent = 0;
        std::size_t dropped = 0;
        int last_error = 0;
    };

    explicit TxBatch(std::size_t arena_bytes = 1 << 20);

    // False when the frame does not fit beside the ones queued (flush, then
    // add again) or is larger than the whole arena (send it alone). `head`
    // goes just before the frame, in the same item (a virtio_net_hdr).
    bool add(base::Bytes frame, std::uint32_t dst = 0, base::Bytes head = {});
    // The same for a frame in pieces, joined in the arena in this order (a
    // virtio_net_hdr, the headers, the send ring's spans): one copy.
    bool add_pieces(std::span<const base::Bytes> pieces, std::uint32_t dst = 0);
    bool fits_alone(std::size_t n) const { return n <= arena_.size(); }
    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }

    // Everything queued leaves through `send`, in order. A frame the kernel
    // refuses is dropped and the rest tried; when it has no room at all
    // (EAGAIN, ENOBUFS) every frame left is dropped, as one send() each
    // would have been. The batch is empty afterwards.
    Flushed flush(const SendMany& send);

private:
    std::vector<std::uint8_t> arena_;
    std::size_t used_ = 0;
    std::vector<Item> items_;
};

// Frames read from an AF_PACKET socket by recvmmsg(2), up to 64 a call:
// the first straight into the caller's buffer, the rest into slots of our
// own, handed over one by one. Each message asks for its sockaddr_ll (the
// packet type) and PACKET_AUXDATA (TP_STATUS_CSUMNOTREADY).
class RxBatch {
public:
    static constexpr std::size_t kMaxFrames = 64;
    // An IPv4 packet of 64 KiB (a GSO super-packet) and its Ethernet header.
    static constexpr std::size_t kSlot = 65536 + 256;

    // recvmmsg(fd, msgs, n, MSG_DONTWAIT): how many it filled, or -errno.
    using RecvMany = std::function<int(mmsghdr* msgs, unsigned n)>;

    struct Frame {
        std::size_t length = 0;           // bytes in the caller's buffer
        bool checksum_not_ready = false;  // TP_STATUS_CSUMNOTREADY
    };

    RxBatch();

    // The next frame into `buf`: from the last batch, or from a new one read
    // by `recv` when the last is used up. Frames we sent (PACKET_OUTGOING)
    // are skipped; a frame longer than its slot (MSG_TRUNC) is dropped and
    // counted. nullopt when nothing is waiting, errno-style reason in
    // last_error() (EAGAIN). A batch shorter than kMaxFrames emptied the
    // socket, so once it is handed over next() says nullopt without another
    // call: the loop's epoll is level-triggered and wakes us for what comes
    // later, so one wake-up of up to 64 frames is one recvmmsg.
    std::optional<Frame> next(base::MutBytes buf, const RecvMany& recv);

    std::uint64_t truncated() const { return truncated_; }
    std::uint64_t batches() const { return batches_; }
    int last_error() const { return last_error_; }

private:
    bool refill(base::MutBytes first, const RecvMany& recv);

    struct Got {
        std::size_t length = 0;
        bool checksum_not_ready = false;
        bool skip = false;  // ours, or cut short
    };
    std::vector<std::uint8_t> slots_;  // kMaxFrames - 1 of kSlot bytes
    std::vector<Got> got_;
    std::size_t got_n_ = 0, got_i_ = 0;
    bool short_ = false;  // the last batch emptied the socket
    std::uint64_t truncated_ = 0;
    std::uint64_t batches_ = 0;
    int last_error_ = 0;
};

}  // namespace l2
