#include "stack/netif.hpp"

#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "link/loopback.hpp"
#include "link/packet.hpp"
#include "link/tap.hpp"
#include "stack/stack.hpp"

namespace stack {

namespace {

std::unique_ptr<Netif> netif(std::unique_ptr<l2::Device> dev, ip::InterfaceAddress addr,
                             l2::MacAddr mac, std::size_t index) {
    auto n = std::make_unique<Netif>();
    n->index = static_cast<int>(index);
    n->dev = std::move(dev);
    n->addr = addr;
    n->mac = mac;
    return n;
}

std::unique_ptr<l2::Device> open_device(InterfaceOptions& io, l2::MacAddr& mac) {
    if (io.device) {
        mac = io.mac ? *io.mac : l2::random_local_mac();
        return std::move(io.device);
    }
    if (io.link == "packet") {
        if (io.ifname.empty()) throw StackError("--link packet needs --ifname (see `ip link`)");
        auto d = l2::PacketDevice::open(io.ifname, io.mac);
        mac = d->mac();
        return d;
    }
    if (io.link == "tap") {
        if (io.tap_host.addr == io.addr.addr)
            throw StackError("--tap-host-addr must differ from --addr (that one is ours)");
        l2::TapOptions t;
        if (!io.ifname.empty()) t.name = io.ifname;
        t.host_addr = io.tap_host.addr;
        t.host_prefix_len = io.tap_host.prefix_len;
        t.mac = io.mac;
        auto d = l2::TapDevice::open(t);
        mac = d->mac();
        return d;
    }
    throw StackError("unknown link mode '" + io.link + "' (raw, packet or tap)");
}

}  // namespace

void open_host(StackOptions& opts, std::vector<std::unique_ptr<Netif>>& netifs,
               ip::RouteTable& routes) {
    if (opts.device) {
        // A point-to-point IPv4 link (the tests' socketpair): the peer is
        // the next hop for every destination.
        const auto i = netifs.size();
        netifs.push_back(netif(std::move(opts.device), {opts.address, 32}, {}, i));
        routes.add_route(0, 0, 0, static_cast<int>(i));
    }
    for (auto& io : opts.interfaces) {
        if (io.addr.addr == 0)
            throw StackError("--link " + io.link + " needs --addr A/len (our address on the link)");
        l2::MacAddr mac;
        auto dev = open_device(io, mac);
        const auto i = netifs.size();
        LOG(stack, info) << "interface " << dev->name() << ": " << ip::to_string(io.addr)
                         << (dev->framing() == l2::Framing::Ethernet ? ", MAC " + mac.to_string() : "")
                         << ", MTU " << (dev->framing() == l2::Framing::Ethernet
                                             ? dev->mtu() - l2::kEthHeaderLen : dev->mtu());
        netifs.push_back(netif(std::move(dev), io.addr, mac, i));
        routes.add_connected(io.addr, static_cast<int>(i));
    }
    // RFC 1122 3.2.1.3: 127/8 is the host's own loopback.
    const ip::InterfaceAddress lo{0x7f000001, 8};
    const auto i = netifs.size();
    auto n = netif(std::make_unique<l2::LoopbackDevice>(), lo, {}, i);
    n->loopback = true;
    netifs.push_back(std::move(n));
    routes.add_connected(lo, static_cast<int>(i));

    if (opts.gateway != 0 && !routes.set_default_gateway(opts.gateway))
        throw StackError("gateway " + ip::addr_to_string(opts.gateway) +
                         " is not on the network of any interface (RFC 1122 3.3.1.1)");
}

}  // namespace stack
