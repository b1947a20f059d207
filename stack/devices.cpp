#include "stack/devices.hpp"

#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "link/loopback.hpp"
#include "link/packet.hpp"
#include "link/raw_ip.hpp"
#include "link/tap.hpp"
#include "os/loopback_frames.hpp"

namespace stack {

namespace {

Attached attach(std::unique_ptr<l2::Device> dev, ip::InterfaceAddress addr, l2::MacAddr mac,
                bool loopback = false) {
    Attached a;
    a.config.name = std::string(dev->name());
    a.config.framing = dev->framing();
    a.config.mtu = dev->mtu();
    a.config.addr = addr;
    a.config.mac = mac;
    a.config.loopback = loopback;
    a.config.gso = dev->receives_gso();
    a.config.max_send_packet = dev->max_send_packet();
    a.config.gso_to_local = dev->gso_to_local();
    a.device = std::move(dev);
    return a;
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

std::vector<Attached> open_raw(const StackOptions& opts) {
    std::vector<Attached> out;
    auto dev = l2::RawIpDevice::open(opts.mark);  // says it when we are not root
    if (opts.loopback_gso && os::allow_loopback_frames()) {
        dev->open_loopback_sender();
        dev->watch_loopback_frames(os::loopback_frames_allowed);
    }
    out.push_back(attach(std::move(dev), {0, 0}, {}));
    return out;
}

std::vector<Attached> open_host_devices(StackOptions& opts) {
    std::vector<Attached> out;
    if (opts.device) {
        // A point-to-point IPv4 link (the tests' socketpair): the peer is
        // the next hop for every destination.
        out.push_back(attach(std::move(opts.device), {opts.address, 32}, {}));
        out.back().default_route = true;
    }
    for (auto& io : opts.interfaces) {
        if (io.addr.addr == 0)
            throw StackError("--link " + io.link + " needs --addr A/len (our address on the link)");
        l2::MacAddr mac;
        auto dev = open_device(io, mac);
        const bool eth = dev->framing() == l2::Framing::Ethernet;
        LOG(stack, info) << "interface " << dev->name() << ": " << ip::to_string(io.addr)
                         << (eth ? ", MAC " + mac.to_string() : "") << ", MTU "
                         << (eth ? dev->mtu() - l2::kEthHeaderLen : dev->mtu());
        out.push_back(attach(std::move(dev), io.addr, mac));
    }
    // RFC 1122 3.2.1.3: 127/8 is the host's own loopback.
    out.push_back(attach(std::make_unique<l2::LoopbackDevice>(), {0x7f000001, 8}, {}, true));
    return out;
}

}  // namespace stack
