#include "link/packet_ring.hpp"

#include <linux/if_packet.h>  // tpacket2_hdr, tpacket_req, TP_STATUS_*
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace l2 {

namespace {

// The kernel's headroom in a slot before the frame: the tpacket2_hdr and
// the sockaddr_ll, aligned (TPACKET2_HDRLEN, then TPACKET_ALIGN of the
// network header's offset), and room for a virtio_net_hdr.
constexpr std::size_t kSlotHeadroom = 128;
constexpr std::size_t kBlockSize = 128 << 10;
constexpr std::size_t kMaxSlot = 16 << 10;

std::uint32_t load_status(const std::uint8_t* slot) {
    return __atomic_load_n(reinterpret_cast<const std::uint32_t*>(slot), __ATOMIC_ACQUIRE);
}

// The slot is the kernel's again once tp_status says so; everything we
// read from it happens before (packet_mmap.rst: "the user ... sets
// tp_status to TP_STATUS_KERNEL").
void give_back(std::uint8_t* slot) {
    __atomic_store_n(reinterpret_cast<std::uint32_t*>(slot), std::uint32_t{TP_STATUS_KERNEL},
                     __ATOMIC_RELEASE);
}

}  // namespace

RxRing::RxRing(std::uint8_t* ring, std::size_t frame_size, std::size_t frame_count)
    : ring_(ring), frame_size_(frame_size), frame_count_(frame_count) {}

std::optional<RxRing::Frame> RxRing::next(base::MutBytes buf) {
    for (;;) {
        std::uint8_t* slot = ring_ + head_ * frame_size_;
        const std::uint32_t status = load_status(slot);
        if (!(status & TP_STATUS_USER)) return std::nullopt;
        head_ = (head_ + 1) % frame_count_;
        tpacket2_hdr h;
        std::memcpy(&h, slot, sizeof h);
        sockaddr_ll from;
        std::memcpy(&from, slot + TPACKET_ALIGN(sizeof(tpacket2_hdr)), sizeof from);
        if (status & TP_STATUS_LOSING) ++losing_;
        Frame f;
        f.checksum_not_ready = (status & TP_STATUS_CSUMNOTREADY) != 0;
        f.copy = (status & TP_STATUS_COPY) != 0;
        // The whole frame waits on the socket: the caller reads it there
        // (and skips it there if it is ours).
        if (f.copy) {
            give_back(slot);
            return f;
        }
        // packet(7): an ETH_P_ALL socket also sees what this host sends on
        // the interface (where PACKET_IGNORE_OUTGOING is refused).
        const bool ours = from.sll_pkttype == PACKET_OUTGOING;
        const bool cut = h.tp_snaplen < h.tp_len || h.tp_mac > frame_size_ ||
                         h.tp_snaplen > frame_size_ - h.tp_mac;
        if (ours || cut) {
            if (!ours) ++truncated_;
            give_back(slot);
            continue;
        }
        f.length = std::min<std::size_t>(h.tp_snaplen, buf.size());
        std::memcpy(buf.data(), slot + h.tp_mac, f.length);
        give_back(slot);
        return f;
    }
}

RingLayout ring_layout(std::size_t max_frame, std::size_t ring_bytes) {
    RingLayout l;
    l.frame_size = 2048;
    // At most 16 KiB a slot, so the ring keeps hundreds of them on a link
    // with a 64 KiB MTU (a burst of ACKs needs slots, not bytes); a frame
    // larger than that comes whole through the socket (TP_STATUS_COPY).
    while (l.frame_size < max_frame + kSlotHeadroom && l.frame_size < kMaxSlot) l.frame_size *= 2;
    l.block_size = std::max(kBlockSize, l.frame_size);
    l.block_count = std::max<std::size_t>(2, ring_bytes / l.block_size);
    l.frame_count = l.block_count * (l.block_size / l.frame_size);
    return l;
}

std::optional<MappedRing> map_rx_ring(int fd, std::size_t max_frame, std::size_t ring_bytes) {
    MappedRing r;
    r.layout = ring_layout(max_frame, ring_bytes);
    const int version = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) return std::nullopt;
    tpacket_req req{};
    req.tp_block_size = static_cast<unsigned>(r.layout.block_size);
    req.tp_block_nr = static_cast<unsigned>(r.layout.block_count);
    req.tp_frame_size = static_cast<unsigned>(r.layout.frame_size);
    req.tp_frame_nr = static_cast<unsigned>(r.layout.frame_count);
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) return std::nullopt;
    void* m = mmap(nullptr, r.layout.bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        const int err = errno;
        req = {};  // a ring of no frames takes the ring away again
        setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req);
        errno = err;
        return std::nullopt;
    }
    // packet(7): a frame longer than a slot is also queued whole on the
    // socket, its slot marked TP_STATUS_COPY.
    const int thresh = 1;
    setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &thresh, sizeof thresh);
    r.base = static_cast<std::uint8_t*>(m);
    return r;
}

void unmap_rx_ring(const MappedRing& r) {
    if (r.base) munmap(r.base, r.layout.bytes());
}

}  // namespace l2
