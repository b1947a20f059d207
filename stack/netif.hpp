// The stack's network interfaces when it is a whole host (packet and tap
// mode, and tests): each is a device with our address and netmask on it, an
// ARP cache when it speaks Ethernet, and a connected route. Several may
// exist at once; the in-stack loopback (127.0.0.1/8) is always one of them.
//
// Internal to stack/: applications describe interfaces with
// StackOptions::interfaces (stack/stack.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ip/route.hpp"
#include "link/arp_cache.hpp"
#include "link/device.hpp"
#include "link/ethernet.hpp"

namespace stack {

class Core;

// Frames ARP's output onto one interface, and hands the packets it gave up
// on back to the core (RFC 1122 2.3.2.2).
class ArpPort final : public l2::ArpSink {
public:
    ArpPort(Core& core, int ifindex) : core_(core), ifindex_(ifindex) {}
    void send_arp(const l2::MacAddr& eth_dst, const l2::ArpPacket& packet) override;
    void send_ipv4(const l2::MacAddr& eth_dst, base::Bytes packet) override;
    void unresolved(std::uint32_t next_hop, base::Bytes packet) override;

private:
    Core& core_;
    int ifindex_;
};

struct Netif {
    int index = 0;                      // position in Core's list, and the route's ifindex
    std::unique_ptr<l2::Device> dev;
    ip::InterfaceAddress addr;          // ours on this link
    bool loopback = false;
    // Ethernet framing only:
    l2::MacAddr mac;
    std::unique_ptr<ArpPort> arp_port;
    std::unique_ptr<l2::ArpCache> arp;

    bool ethernet() const { return dev->framing() == l2::Framing::Ethernet; }
    // The largest IPv4 packet the link carries.
    std::size_t ip_mtu() const {
        return ethernet() ? dev->mtu() - l2::kEthHeaderLen : dev->mtu();
    }
    // RFC 919/922 directed broadcast of our network; 0 if none.
    std::uint32_t directed_broadcast() const { return addr.broadcast().value_or(0); }
};

struct StackOptions;

// Opens every interface of opts.interfaces (and opts.device, the tests'
// point-to-point link), adds the in-stack loopback 127.0.0.1/8, and fills the
// routing table: a connected route per interface, then opts.gateway as the
// default route. Throws StackError (or l2::DeviceError) with one line.
void open_host(StackOptions& opts, std::vector<std::unique_ptr<Netif>>& netifs,
               ip::RouteTable& routes);

}  // namespace stack
