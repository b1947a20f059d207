// The pure parts of moving packets in batches: what the devices queue
// between two flushes, and the walk over a TPACKET_V3 receive ring
// (packet(7), the kernel's Documentation/networking/packet_mmap.rst). Both
// work on memory only; the devices (link/packet, link/raw_ip) make the
// system calls, so the tests drive these with a fake sender and a fake ring.
#pragma once
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
    // add again) or is larger than the whole arena (send it alone).
    bool add(base::Bytes frame, std::uint32_t dst = 0);
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

// One frame found in a TPACKET_V3 block.
struct RingFrame {
    base::Bytes bytes;            // from the MAC header, tp_snaplen long
    std::uint32_t wire_len = 0;   // tp_len: longer than bytes if cut
    std::uint32_t status = 0;     // tp_status (TP_STATUS_CSUMNOTREADY...)
    std::uint8_t pkttype = 0;     // sockaddr_ll.sll_pkttype (PACKET_OUTGOING...)
};

// A walk over the blocks of a TPACKET_V3 receive ring laid out at `base`:
// `count` blocks of `block_size` bytes. A block is ours once the kernel sets
// TP_STATUS_USER in its descriptor; we hand it back (TP_STATUS_KERNEL) when
// every frame in it has been taken, on the next call of next(), so a frame's
// bytes stay valid until then. Blocks come round in order.
class RingWalker {
public:
    RingWalker(std::uint8_t* base, std::size_t block_size, std::size_t count)
        : base_(base), block_size_(block_size), count_(count) {}

    // The next frame, or nullopt when the current block is still the
    // kernel's. A frame whose offsets leave the block is not handed over:
    // the rest of that block is skipped and counted in malformed().
    std::optional<RingFrame> next();
    std::uint64_t malformed() const { return malformed_; }
    std::uint64_t blocks_released() const { return released_; }

private:
    std::uint8_t* block() const { return base_ + current_ * block_size_; }
    void release();

    std::uint8_t* base_;
    std::size_t block_size_;
    std::size_t count_;
    std::size_t current_ = 0;
    bool open_ = false;           // walking the current block
    std::uint32_t left_ = 0;      // its frames not yet taken
    std::size_t offset_ = 0;      // of the next one, from the block's start
    std::uint64_t malformed_ = 0;
    std::uint64_t released_ = 0;
};

}  // namespace l2
