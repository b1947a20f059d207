#include "link/batch.hpp"

#include <linux/if_packet.h>

#include <cerrno>
#include <cstring>

namespace l2 {

TxBatch::TxBatch(std::size_t arena_bytes) : arena_(arena_bytes) { items_.reserve(kMaxFrames); }

bool TxBatch::add(base::Bytes frame, std::uint32_t dst) {
    if (items_.size() >= kMaxFrames || frame.size() > arena_.size() - used_) return false;
    std::memcpy(arena_.data() + used_, frame.data(), frame.size());
    items_.push_back({base::Bytes(arena_.data() + used_, frame.size()), dst});
    // Keep every frame 8-byte aligned, as the kernel would lay them out.
    used_ += (frame.size() + 7) & ~std::size_t{7};
    if (used_ > arena_.size()) used_ = arena_.size();
    return true;
}

TxBatch::Flushed TxBatch::flush(const SendMany& send) {
    Flushed f;
    std::size_t i = 0;
    while (i < items_.size()) {
        const int r = send(std::span<const Item>(items_).subspan(i));
        if (r > 0) {
            const auto n = std::min<std::size_t>(static_cast<std::size_t>(r), items_.size() - i);
            f.sent += n;
            i += n;
            continue;
        }
        const int err = r < 0 ? -r : EIO;
        if (err == EINTR) continue;
        f.last_error = err;
        if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
            f.dropped += items_.size() - i;  // no room: the rest would fail too
            break;
        }
        ++f.dropped;  // this one frame is refused (EMSGSIZE, ENETUNREACH...)
        ++i;
    }
    items_.clear();
    used_ = 0;
    return f;
}

namespace {

template <typename T>
T load(const std::uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

std::uint32_t block_status(std::uint8_t* block) {
    auto* d = reinterpret_cast<tpacket_block_desc*>(block);
    // The kernel fills the block, then sets its status: read it first.
    return __atomic_load_n(&d->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
}

}  // namespace

void RingWalker::release() {
    auto* d = reinterpret_cast<tpacket_block_desc*>(block());
    __atomic_store_n(&d->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    ++released_;
    open_ = false;
    current_ = (current_ + 1) % count_;
}

std::optional<RingFrame> RingWalker::next() {
    for (;;) {
        if (open_ && left_ == 0) release();
        if (!open_) {
            if ((block_status(block()) & TP_STATUS_USER) == 0) return std::nullopt;
            const auto* d = reinterpret_cast<const tpacket_block_desc*>(block());
            left_ = d->hdr.bh1.num_pkts;
            offset_ = d->hdr.bh1.offset_to_first_pkt;
            open_ = true;
            continue;
        }
        const std::uint8_t* b = block();
        constexpr std::size_t kHdr = TPACKET_ALIGN(sizeof(tpacket3_hdr));
        if (offset_ < sizeof(tpacket_block_desc) || offset_ + kHdr + sizeof(sockaddr_ll) > block_size_) {
            ++malformed_;
            left_ = 0;
            continue;
        }
        const auto h = load<tpacket3_hdr>(b + offset_);
        if (h.tp_mac > block_size_ - offset_ || h.tp_snaplen > block_size_ - offset_ - h.tp_mac) {
            ++malformed_;
            left_ = 0;
            continue;
        }
        RingFrame f;
        f.bytes = base::Bytes(b + offset_ + h.tp_mac, h.tp_snaplen);
        f.wire_len = h.tp_len;
        f.status = h.tp_status;
        f.pkttype = load<sockaddr_ll>(b + offset_ + kHdr).sll_pkttype;
        --left_;
        // The last frame's next offset is 0; a non-last one must move on.
        if (left_ > 0 && h.tp_next_offset == 0) {
            ++malformed_;
            left_ = 0;
        }
        offset_ += h.tp_next_offset;
        return f;
    }
}

}  // namespace l2
