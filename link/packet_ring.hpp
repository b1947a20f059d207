// A PACKET_RX_RING (packet(7), the kernel's
// Documentation/networking/packet_mmap.rst): the kernel writes each frame
// it would queue on an AF_PACKET socket straight into a ring of fixed-size
// slots shared with us, so reading a frame is a look at memory, not a
// system call, and the copy out of the socket buffer happens in the
// kernel's receive path (the sender's softirq), not in ours.
//
// TPACKET_V2, not V3: V2 hands each frame over as soon as it is written
// and wakes poll() per frame; V3 hands over whole blocks, on a timer when
// traffic is light, which would add milliseconds to a round trip.
//
// Each slot: a tpacket2_hdr (tp_status says whose the slot is), a
// sockaddr_ll (the packet type: PACKET_OUTGOING is ours), then the frame at
// tp_mac. A frame longer than a slot is cut to the slot (tp_snaplen <
// tp_len); with PACKET_COPY_THRESH the kernel also queues it whole on the
// socket and marks the slot TP_STATUS_COPY, and the frame is read with
// recvmsg(2) instead.
//
// RxRing itself only reads and hands back slots in memory it is given, so
// the tests drive it with a ring of their own making.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"

namespace l2 {

class RxRing {
public:
    // `ring`: frame_count slots of frame_size bytes each, back to back.
    RxRing(std::uint8_t* ring, std::size_t frame_size, std::size_t frame_count);

    struct Frame {
        std::size_t length = 0;           // bytes copied into the caller's buffer
        bool checksum_not_ready = false;  // TP_STATUS_CSUMNOTREADY (checksum offload)
        bool copy = false;                // TP_STATUS_COPY: the whole frame is on the socket
    };
    // The next frame the kernel handed over, copied into `buf`, its slot
    // given back at once. Frames this host sent (PACKET_OUTGOING) are
    // skipped; one cut short with no copy on the socket is dropped and
    // counted. nullopt when the kernel has written nothing more.
    std::optional<Frame> next(base::MutBytes buf);

    std::uint64_t truncated() const { return truncated_; }
    std::uint64_t losing() const { return losing_; }  // slots marked TP_STATUS_LOSING

private:
    std::uint8_t* ring_;
    std::size_t frame_size_, frame_count_;
    std::size_t head_ = 0;
    std::uint64_t truncated_ = 0, losing_ = 0;
};

// Ring geometry for an interface whose frames are up to `max_frame` bytes
// (Ethernet header included): slots of a power of two that hold a whole
// such frame behind the headers, up to 16 KiB, and about `ring_bytes` in
// all.
struct RingLayout {
    std::size_t frame_size = 0;
    std::size_t frame_count = 0;
    std::size_t block_size = 0;
    std::size_t block_count = 0;
    std::size_t bytes() const { return block_size * block_count; }
};
RingLayout ring_layout(std::size_t max_frame, std::size_t ring_bytes);

// Sets up TPACKET_V2 and a receive ring on `fd` (an AF_PACKET socket not yet
// bound, so no frame is queued outside the ring) and maps it. nullopt with
// errno set when the kernel refuses; the socket then reads as before.
struct MappedRing {
    std::uint8_t* base = nullptr;
    RingLayout layout;
};
std::optional<MappedRing> map_rx_ring(int fd, std::size_t max_frame, std::size_t ring_bytes);
void unmap_rx_ring(const MappedRing& r);

}  // namespace l2
