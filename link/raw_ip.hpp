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
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "link/device.hpp"

namespace l2 {

class RawIpDevice final : public Device {
public:
    // Opens both sockets. Throws DeviceError with one clear line when the
    // caller is not root ("raw sockets need root or CAP_NET_RAW: run with
    // sudo") or the kernel refuses.
    static std::unique_ptr<RawIpDevice> open(std::uint32_t mark);
    ~RawIpDevice() override;
    RawIpDevice(const RawIpDevice&) = delete;
    RawIpDevice& operator=(const RawIpDevice&) = delete;

    std::string_view name() const override { return "raw"; }
    Framing framing() const override { return Framing::Ipv4; }
    int fd() const override { return rx_fd_; }
    std::size_t mtu() const override { return 65535; }
    std::optional<Received> receive(base::MutBytes buf) override;
    int send(base::Bytes packet) override;

private:
    RawIpDevice(int tx, int rx) : tx_fd_(tx), rx_fd_(rx) {}
    bool is_loopback(int ifindex);

    int tx_fd_ = -1;
    int rx_fd_ = -1;
    std::unordered_map<int, bool> loopback_;  // ifindex -> IFF_LOOPBACK, cached
};

}  // namespace l2
