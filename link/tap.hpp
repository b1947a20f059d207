// The `tap` link: a TAP device the stack creates (/dev/net/tun with
// IFF_TAP | IFF_NO_PI, so each read or write is one bare Ethernet frame).
// The kernel side of the TAP is an ordinary interface of the host: it gets
// --tap-host-addr and is brought up, so the host's own programs (ping, nc)
// reach the stack through it. The stack is a second host on that link with
// its own MAC and address.
//
// With IFF_VNET_HDR and the offloads TUN_F_CSUM | TUN_F_TSO4 (link/vnet)
// the kernel hands over TCP super-packets of up to 64 KiB with a partial
// checksum; the device completes it (as a NIC would), and they come up
// longer than the MTU (receives_gso()). What we write is whole frames
// with an all-zero header, except TCP super-packets (send_gso(), up to
// max_send_packet(), 64 KiB with TSO4): those carry a GSO_TCPV4 header and
// the partial checksum the host left them (link/gso_checksum.hpp), and the
// kernel cuts them into MSS-sized pieces and completes each one's sum
// (TSO), as a NIC would. The host hands them over in pieces
// (send_gso_parts: headers, then the send ring's two spans), written in
// one writev, so their payload is not copied in user space.
//
// The TAP is not persistent: it disappears when its file descriptor closes,
// so it goes away on exit, on Ctrl-C and even on a crash.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "link/device.hpp"
#include "link/ethernet.hpp"

namespace l2 {

struct TapOptions {
    std::string name = "ustk0";    // the interface the host sees
    std::uint32_t host_addr = 0;   // the kernel side's address (0: none)
    std::uint8_t host_prefix_len = 24;
    std::optional<MacAddr> mac;    // ours; a random locally administered one if unset
};

class TapDevice final : public Device {
public:
    // Throws DeviceError: "... needs root", "cannot create TAP 'x': ...".
    static std::unique_ptr<TapDevice> open(const TapOptions& o);
    ~TapDevice() override;
    TapDevice(const TapDevice&) = delete;
    TapDevice& operator=(const TapDevice&) = delete;

    std::string_view name() const override { return name_; }
    Framing framing() const override { return Framing::Ethernet; }
    int fd() const override { return fd_; }
    std::size_t mtu() const override { return mtu_ + kEthHeaderLen; }
    std::optional<Received> receive(base::MutBytes buf) override;
    int send(base::Bytes frame) override;
    bool receives_gso() const override { return gso_; }
    // RFC 791: an IPv4 packet's total length is at most 65535.
    std::size_t max_send_packet() const override { return gso_ ? 65535 : mtu_; }
    int send_gso(base::Bytes frame, std::uint16_t gso_size) override;
    // [virtio_net_hdr, head, p1, p2] in one writev: the payload goes from
    // the send ring to the kernel without a copy in between.
    int send_gso_parts(const GsoParts& parts) override;
    std::uint64_t gso_sent() const { return gso_sent_; }
    LinkCounters link_counters() override { return {0, 0, bad_vnet_, gso_refused_, gso_sent_}; }

    const MacAddr& mac() const { return mac_; }  // ours, not the kernel side's

private:
    TapDevice() = default;
    void setup_offloads();
    int send_tso(const GsoParts& parts);
    int fd_ = -1;
    bool gso_ = false;
    std::uint64_t bad_vnet_ = 0;
    std::uint64_t gso_sent_ = 0, gso_refused_ = 0;
    std::size_t mtu_ = kEthMtu;
    std::string name_;
    MacAddr mac_;
};

// A random unicast, locally administered MAC (IEEE 802-2014 8.2: the U/L
// bit set, the I/G bit clear), e.g. 02:xx:xx:xx:xx:xx.
MacAddr random_local_mac();

}  // namespace l2
