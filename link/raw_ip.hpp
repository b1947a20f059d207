// The `raw` link: IPv4 packets through raw sockets, the kernel owning the
// addresses, routing, ARP and Ethernet (docs/design.md, "What runs where").
//
// Sending uses socket(AF_INET, SOCK_RAW, IPPROTO_RAW), which implies
// IP_HDRINCL: the stack writes every IP and TCP header byte and checksum
// itself (raw(7)), and the kernel only routes the packet. Every packet carries
// SO_MARK so the firewall guard can tell our RSTs from the kernel's.
//
// Receiving uses a raw IPPROTO_TCP socket: the kernel hands it a copy of every
// TCP packet delivered to a local address, IP header included, after
// reassembly and after the netfilter input hook. The copy goes to every raw
// socket in the namespace, so each stack must ignore what is not its own.
// Beside it a raw IPPROTO_ICMP socket, filtered (ICMP_FILTER) to the error
// types, hands over the ICMP errors that quote our segments, so that RFC
// 1122 4.2.3.9 and Path MTU Discovery (RFC 1191) work in raw mode too. The
// device's fd is an epoll set of the two, readable when either is.
//
// Both directions are batched: up to 16 TCP packets come in per
// recvmmsg(2), and what send() takes during one wake-up of the loop goes
// out in one sendmmsg(2) at flush(). A classic BPF program on the TCP
// socket (SO_ATTACH_FILTER, link/port_filter) lets in only segments to a
// port this stack holds, so the copies of other programs' traffic, and of
// our own segments looping back on lo, never reach user space.
//
// A raw socket takes no packet longer than the route's MTU (raw(7)), so on
// its own every segment pays the kernel's output path once. Toward the
// kernel's own addresses the route is lo, so the device can also send
// frames on lo through an AF_PACKET socket with a virtio_net_hdr (packet(7)
// PACKET_VNET_HDR): a TCP super-segment then goes down in one system call
// and lo cuts it into MSS-sized pieces, as the kernel's own TCP's GSO does.
// The kernel takes such frames only with net.ipv4.conf.lo.route_localnet
// and accept_local on (os/loopback_frames); the caller asks for this way
// when they are.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "link/batch.hpp"
#include "link/device.hpp"

namespace l2 {

class RawIpDevice final : public Device {
public:
    // Opens both sockets. Throws DeviceError with one clear line when the
    // caller is not root ("raw sockets need root or CAP_NET_RAW: run with
    // sudo") or the kernel refuses.
    static std::unique_ptr<RawIpDevice> open(std::uint32_t mark);
    // Opens the AF_PACKET socket on lo for super-segments to local
    // addresses; where that fails, the device works without it (one line
    // at info says so).
    void open_loopback_sender();
    // `allowed` says whether the kernel still takes our frames on lo
    // (os::loopback_frames_allowed): someone may turn the settings off while
    // we run, and the kernel then drops those frames without a word (where
    // the receiving socket's cached route does not spare it the check:
    // net.ipv4.tcp_early_demux off, or the routes changed). Asked at most
    // once a second, from gso_to_local(); while it says no, super-segments
    // do not go that way (the host cuts them itself).
    void watch_loopback_frames(std::function<bool()> allowed);
    ~RawIpDevice() override;
    RawIpDevice(const RawIpDevice&) = delete;
    RawIpDevice& operator=(const RawIpDevice&) = delete;

    std::string_view name() const override { return "raw"; }
    Framing framing() const override { return Framing::Ipv4; }
    int fd() const override { return epoll_fd_; }
    std::size_t mtu() const override { return 65535; }
    LinkCounters link_counters() override;
    std::optional<Received> receive(base::MutBytes buf) override;
    int send(base::Bytes packet) override;
    void flush() override;
    bool receives_gso() const override { return true; }  // lo's 64 KiB, GRO
    bool gso_to_local() const override;
    // A super-segment to a local address, as a frame on lo (the host hands
    // over no other); without the lo socket, Device's default.
    int send_gso(base::Bytes packet, std::uint16_t gso_size) override;
    // The same in pieces: the payload is not copied next to the headers.
    int send_gso_parts(const GsoParts& parts) override;
    // Any thread: from now on only TCP segments to these ports come in.
    void accept_ports(std::span<const std::uint16_t> ports) override;

private:
    static constexpr std::size_t kRxBatch = 16;
    static constexpr std::size_t kRxSlot = 65536;  // the largest IPv4 packet

    explicit RawIpDevice(int tx) : tx_fd_(tx) {}
    bool is_loopback(int ifindex);
    std::optional<Received> receive_from(int fd, base::MutBytes buf);
    // One recvmmsg on the TCP socket, the first packet into `first`, the
    // rest into rx_slots_; true if it got any.
    bool refill(base::MutBytes first);
    int send_now(base::Bytes packet, std::uint32_t dst);
    // One sendmsg of [virtio_net_hdr, zero Ethernet header, the parts].
    int send_on_lo(const GsoParts& parts);

    int tx_fd_ = -1;
    int rx_fd_ = -1;      // IPPROTO_TCP
    int icmp_fd_ = -1;    // IPPROTO_ICMP, errors only
    int lo_fd_ = -1;      // AF_PACKET on lo, send only: super-segments
    std::function<bool()> lo_allowed_;
    mutable bool lo_open_ = true;  // the last answer of lo_allowed_
    mutable std::chrono::steady_clock::time_point lo_next_check_{};
    int epoll_fd_ = -1;   // both, for the event loop
    static constexpr unsigned kIcmpEvery = 16;
    unsigned icmp_skipped_ = 0;  // TCP batches since the ICMP socket had a look
    bool drained_ = false;       // the last batch was short: the socket is empty
    std::unordered_map<int, bool> loopback_;  // ifindex -> IFF_LOOPBACK, cached
    std::vector<std::uint8_t> rx_slots_ = std::vector<std::uint8_t>((kRxBatch - 1) * kRxSlot);
    std::array<Received, kRxBatch> got_{};
    std::size_t got_n_ = 0, got_i_ = 0;  // received by the last recvmmsg, handed over
    TxBatch tx_;
    std::uint64_t tx_dropped_ = 0;
    std::uint64_t gso_sent_ = 0, gso_refused_ = 0;
};

}  // namespace l2
