// The `packet` link: Ethernet frames through an AF_PACKET socket bound to one
// interface (packet(7)), the stack owning its own IPv4 address on it
// (docs/design.md, "What runs where"). The kernel still owns the interface; give its
// kernel side no address (or another one), or the kernel answers too.
//
// Frames the kernel hands over before the NIC would have filled in the
// transport checksum (checksum offload on a veth) are marked by
// PACKET_AUXDATA's TP_STATUS_CSUMNOTREADY; they come up with
// checksum_trusted, so TCP/UDP skip the check for those frames only. Frames
// we sent ourselves (PACKET_OUTGOING) are skipped.
//
// Frames come in through a PACKET_RX_RING (link/packet_ring): the kernel
// writes them into memory we share, and reading one is no system call;
// poll wakes us per frame, so a lone frame is handed over as soon as it
// arrives. Where the kernel refuses a ring, one recvmmsg(2) reads up to 64
// (link/batch's RxBatch), and where that is missing (ENOSYS) one recvmsg(2)
// per frame; the device says which in one line. Frames go out batched:
// send() queues them, flush() hands them over in one sendmmsg(2).
//
// Sending has a socket of its own, bound to no protocol (so it receives
// nothing) and opened with PACKET_VNET_HDR: every frame carries a
// virtio_net_hdr (link/vnet), and a TCP super-packet (send_gso(), up to
// max_send_packet(), 64 KiB) carries GSO_TCPV4 with a partial checksum.
// The kernel cuts it into MSS-sized pieces at the interface, in software
// where the interface has no TSO, as it does for its own TCP (GSO). Where
// the kernel refuses the option, frames go out whole from the receiving
// socket and max_send_packet() is the MTU.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "link/batch.hpp"
#include "link/device.hpp"
#include "link/ethernet.hpp"
#include "link/packet_ring.hpp"

namespace l2 {

// One frame read from an AF_PACKET socket that asked for PACKET_AUXDATA.
struct PacketFrame {
    std::size_t length = 0;
    bool outgoing = false;            // PACKET_OUTGOING: this host sent it
    bool checksum_not_ready = false;  // TP_STATUS_CSUMNOTREADY (checksum offload)
};
// nullopt when there is none, with errno set (EAGAIN, EINTR, ...).
std::optional<PacketFrame> recv_packet_frame(int fd, base::MutBytes buf);

class PacketDevice final : public Device {
public:
    // Binds to `ifname`. Our MAC is the interface's unless `mac` is given (then
    // the interface is put in promiscuous mode, so frames to it get in).
    // Throws DeviceError: "no interface named 'x'", "... needs root", ...
    static std::unique_ptr<PacketDevice> open(const std::string& ifname,
                                              std::optional<MacAddr> mac = std::nullopt);
    ~PacketDevice() override;
    PacketDevice(const PacketDevice&) = delete;
    PacketDevice& operator=(const PacketDevice&) = delete;

    std::string_view name() const override { return name_; }
    Framing framing() const override { return Framing::Ethernet; }
    int fd() const override { return fd_; }
    std::size_t mtu() const override { return mtu_ + kEthHeaderLen; }
    std::optional<Received> receive(base::MutBytes buf) override;
    int send(base::Bytes frame) override;
    void flush() override;
    // A veth with its offloads on hands over the peer's GSO super-packets.
    bool receives_gso() const override { return true; }
    std::size_t max_send_packet() const override { return tx_fd_ >= 0 ? 65535 : mtu_; }
    int send_gso(base::Bytes frame, std::uint16_t gso_size) override;
    // The same in pieces, joined once, in the send batch.
    int send_gso_parts(const GsoParts& parts) override;
    std::uint64_t gso_sent() const { return gso_sent_; }
    LinkCounters link_counters() override;

    const MacAddr& mac() const { return mac_; }
    int ifindex() const { return ifindex_; }

private:
    PacketDevice() = default;
    int send_now(base::Bytes frame);
    // Into the batch behind `head`, flushing first if it does not fit (and
    // after, once the batch is full); false if it fits no batch at all.
    bool queue(base::Bytes frame, base::Bytes head);
    bool queue_pieces(std::span<const base::Bytes> pieces);
    // The virtio_net_hdr of a TCP super-packet whose first bytes are `head`
    // (Ethernet, IPv4, TCP), or false, counted and logged, if it is none.
    bool gso_header(base::Bytes head, std::size_t size, std::uint16_t gso_size, std::uint8_t* out);

    std::optional<Received> receive_ring(base::MutBytes buf);
    std::optional<Received> receive_one(base::MutBytes buf);

    int fd_ = -1;
    std::optional<MappedRing> mapped_;  // the receive ring, where the kernel gave one
    std::optional<RxRing> ring_;
    std::optional<RxBatch> rx_;  // recvmmsg's slots (4 MiB), only where there is no ring
    bool one_by_one_ = false;  // recvmsg per frame: no recvmmsg
    std::uint64_t truncated_ = 0;  // last logged
    TxBatch tx_;
    int tx_fd_ = -1;  // PACKET_VNET_HDR, bound to no protocol: sends only
    std::uint64_t tx_dropped_ = 0, gso_sent_ = 0, gso_refused_ = 0;
    std::uint64_t kernel_drops_ = 0;  // PACKET_STATISTICS' tp_drops, summed
    int ifindex_ = 0;
    std::size_t mtu_ = kEthMtu;
    std::string name_;
    MacAddr mac_;
};

// A send-only AF_PACKET socket on `ifindex` whose frames each start with a
// virtio_net_hdr (PACKET_VNET_HDR), so the kernel cuts the GSO ones; -1
// where the kernel has no PACKET_VNET_HDR. Raw mode's lo sender too.
int open_gso_sender(int ifindex);

// The interface's hardware address and MTU (netdevice(7)); used by TAP too.
// Throws DeviceError.
MacAddr interface_mac(int fd, const std::string& ifname);
std::size_t interface_mtu(int fd, const std::string& ifname);

}  // namespace l2
