#include "link/tap.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "base/addr.hpp"
#include "base/log.hpp"
#include "link/packet.hpp"  // interface_mtu
#include "link/vnet.hpp"

namespace l2 {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
    if (err == EPERM || err == EACCES)
        throw DeviceError("creating a TAP device needs root or CAP_NET_ADMIN: run with sudo");
    throw DeviceError(what + ": " + std::strerror(err));
}

void set_inet(int sock, ifreq r, unsigned long request, std::uint32_t value, const char* what) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(value);
    std::memcpy(&r.ifr_addr, &sa, sizeof sa);
    if (ioctl(sock, request, &r) != 0) fail(std::string(r.ifr_name) + ": " + what, errno);
}

// netdevice(7): the kernel side's address, netmask and IFF_UP, through an
// ordinary AF_INET socket.
void configure_host_side(const TapOptions& o, const std::string& name) {
    const int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) fail("socket(AF_INET)", errno);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{sock};
    ifreq r{};
    std::memcpy(r.ifr_name, name.c_str(), name.size());
    if (o.host_addr != 0) {
        set_inet(sock, r, SIOCSIFADDR, o.host_addr, "setting the address");
        const std::uint32_t mask =
            o.host_prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - o.host_prefix_len);
        set_inet(sock, r, SIOCSIFNETMASK, mask, "setting the netmask");
    }
    if (ioctl(sock, SIOCGIFFLAGS, &r) != 0) fail(name + ": SIOCGIFFLAGS", errno);
    r.ifr_flags = static_cast<short>(r.ifr_flags | IFF_UP);
    if (ioctl(sock, SIOCSIFFLAGS, &r) != 0) fail(name + ": bringing it up", errno);
}

}  // namespace

MacAddr random_local_mac() {
    std::random_device rd;
    MacAddr m;
    for (auto& b : m.bytes) b = static_cast<std::uint8_t>(rd());
    m.bytes[0] = static_cast<std::uint8_t>((m.bytes[0] & 0xfe) | 0x02);
    return m;
}

std::unique_ptr<TapDevice> TapDevice::open(const TapOptions& o) {
    if (o.name.empty() || o.name.size() >= IFNAMSIZ)
        throw DeviceError("bad TAP name '" + o.name + "' (1 to 15 characters)");
    std::unique_ptr<TapDevice> dev(new TapDevice);
    dev->fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (dev->fd_ < 0) {
        if (errno == ENOENT) throw DeviceError("/dev/net/tun is missing (modprobe tun)");
        fail("opening /dev/net/tun", errno);
    }
    // Documentation/networking/tuntap.rst: IFF_NO_PI, so no 4-byte packet
    // information precedes each frame.
    ifreq r{};
    r.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    std::memcpy(r.ifr_name, o.name.c_str(), o.name.size());
    if (ioctl(dev->fd_, TUNSETIFF, &r) != 0) {
        if (errno == EPERM) fail("", errno);
        throw DeviceError("cannot create TAP '" + o.name + "': " + std::strerror(errno) +
                          (errno == EINVAL || errno == EBUSY ? " (is the name taken by another device?)" : ""));
    }
    dev->name_ = r.ifr_name;
    dev->setup_offloads();
    dev->mac_ = o.mac ? *o.mac : random_local_mac();
    configure_host_side(o, dev->name_);
    {
        const int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock >= 0) {
            try {
                dev->mtu_ = interface_mtu(sock, dev->name_);
            } catch (const DeviceError&) {
            }
            ::close(sock);
        }
    }
    LOG(link, info) << "tap: created " << dev->name_ << " (host side "
                    << (o.host_addr ? base::addr_to_string(o.host_addr) + "/" +
                                          std::to_string(o.host_prefix_len)
                                    : std::string("without an address"))
                    << ", MTU " << dev->mtu_ << "), our MAC " << dev->mac_.to_string()
                    << "; it goes away when we exit";
    return dev;
}

void TapDevice::setup_offloads() {
    // tuntap.rst: every frame carries a virtio_net_hdr of this size; with
    // TUN_F_CSUM the kernel may leave the transport checksum partial, and
    // with TUN_F_TSO4 hand over TCP super-packets of up to 64 KiB, one per
    // write of its TCP instead of one per MSS.
    const int size = static_cast<int>(kVnetHdrLen);
    if (ioctl(fd_, TUNSETVNETHDRSZ, &size) != 0) fail(name_ + ": TUNSETVNETHDRSZ", errno);
    if (ioctl(fd_, TUNSETOFFLOAD, static_cast<unsigned long>(TUN_F_CSUM | TUN_F_TSO4)) == 0) {
        gso_ = true;
    } else {
        LOG(link, warning) << "tap: " << name_ << " refused TUNSETOFFLOAD (" << std::strerror(errno)
                           << "); every frame MTU-sized, checksums complete";
    }
}

TapDevice::~TapDevice() {
    if (fd_ >= 0) ::close(fd_);  // a non-persistent TAP is removed with its last fd
}

std::optional<Received> TapDevice::receive(base::MutBytes buf) {
    std::uint8_t hdr[kVnetHdrLen];
    iovec iov[2] = {{hdr, sizeof hdr}, {buf.data(), buf.size()}};
    for (;;) {
        const ssize_t n = ::readv(fd_, iov, 2);
        if (n >= 0) {
            if (static_cast<std::size_t>(n) < sizeof hdr) {
                ++bad_vnet_;
                continue;
            }
            const std::size_t len = std::min(static_cast<std::size_t>(n) - sizeof hdr, buf.size());
            const auto h = parse_vnet(hdr, len);
            if (!h) {
                ++bad_vnet_;  // a header we cannot honour: the frame is dropped
                LOG(link, debug) << "tap: " << name_ << ": bad virtio_net_hdr (" << bad_vnet_
                                 << " in all)";
                continue;
            }
            if (len < static_cast<std::size_t>(n) - sizeof hdr) {
                ++bad_vnet_;  // cut: a partial sum cannot be finished
                continue;
            }
            // NEEDS_CSUM: the kernel wrote only the pseudo-header's sum (the
            // frame never left this host), DATA_VALID: the kernel checked
            // it. Either way it is not verified again; a partial sum is
            // left for a capture to finish (finish_partial_checksum).
            Received r{len, (h->flags & (VnetHdr::kNeedsCsum | VnetHdr::kDataValid)) != 0};
            if (h->flags & VnetHdr::kNeedsCsum) {
                r.partial_start = h->csum_start;
                r.partial_offset = h->csum_offset;
            }
            return r;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            LOG(link, warning) << "tap: read on " << name_ << ": " << std::strerror(errno);
        }
        return std::nullopt;
    }
}

int TapDevice::send(base::Bytes frame) {
    // Our frames are whole, their checksums complete: an all-zero header.
    std::uint8_t hdr[kVnetHdrLen];
    write_vnet(VnetHdr{}, hdr);
    const iovec iov[2] = {{hdr, sizeof hdr}, {const_cast<std::uint8_t*>(frame.data()), frame.size()}};
    for (;;) {
        const ssize_t n = ::writev(fd_, iov, 2);
        if (n >= 0) return 0;
        if (errno == EINTR) continue;
        return errno;
    }
}

int TapDevice::send_gso(base::Bytes frame, std::uint16_t gso_size) {
    if (gso_size == 0) return send(frame);
    return send_tso({frame, {}, {}, gso_size});
}

int TapDevice::send_gso_parts(const GsoParts& parts) {
    if (parts.gso_size == 0) return Device::send_gso_parts(parts);  // whole: joined, send()
    return send_tso(parts);
}

// One writev of [virtio_net_hdr, head, p1, p2]: the kernel copies the
// payload from where the parts lie, so it is never copied here.
int TapDevice::send_tso(const GsoParts& parts) {
    const auto plan = plan_partial_tso(parts.head, parts.size(), parts.gso_size);
    if (!plan) {
        ++gso_refused_;
        LOG(link, debug) << "tap: " << name_ << ": a " << parts.size()
                         << "-byte frame that is no IPv4 TCP super-packet with a partial checksum; "
                            "dropped (" << gso_refused_ << " in all)";
        return EINVAL;
    }
    std::uint8_t hdr[kVnetHdrLen];
    write_vnet(plan->hdr, hdr);
    iovec iov[4] = {{hdr, sizeof hdr}};
    int n = 1;
    for (const base::Bytes b : {parts.head, parts.p1, parts.p2})
        if (!b.empty()) iov[n++] = {const_cast<std::uint8_t*>(b.data()), b.size()};
    for (;;) {
        if (::writev(fd_, iov, n) >= 0) {
            ++gso_sent_;
            return 0;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (gso_refused_++ == 0) {
            LOG(link, warning) << "tap: " << name_ << " refused a TSO super-packet: "
                               << std::strerror(err);
        }
        return err;
    }
}

}  // namespace l2
