#include "link/raw_ip.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <net/if.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "base/log.hpp"
#include "ip/ipv4.hpp"

namespace l2 {

namespace {

constexpr int kSocketBuffer = 4 << 20;  // bursts at loopback speed must not overflow

[[noreturn]] void fail(const char* what, int err) {
    if (err == EPERM || err == EACCES)
        throw DeviceError("raw sockets need root or CAP_NET_RAW: run with sudo");
    throw DeviceError(std::string(what) + ": " + std::strerror(err));
}

void set_buffer(int fd, int opt_force, int opt) {
    // The *FORCE variants (root) may exceed net.core.[rw]mem_max.
    if (setsockopt(fd, SOL_SOCKET, opt_force, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd, SOL_SOCKET, opt, &kSocketBuffer, sizeof kSocketBuffer);
}

}  // namespace

std::unique_ptr<RawIpDevice> RawIpDevice::open(std::uint32_t mark) {
    const int tx = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
    if (tx < 0) fail("socket(SOCK_RAW, IPPROTO_RAW)", errno);
    // Owns tx from here, so an exception below closes it.
    std::unique_ptr<RawIpDevice> dev(new RawIpDevice(tx));

    const int one = 1;
    // raw(7): IPPROTO_RAW implies IP_HDRINCL; set it anyway, for the reader.
    if (setsockopt(tx, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) != 0)
        fail("setsockopt(IP_HDRINCL)", errno);
    if (setsockopt(tx, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
        if (errno == EPERM) throw DeviceError("SO_MARK needs root or CAP_NET_ADMIN: run with sudo");
        fail("setsockopt(SO_MARK)", errno);
    }
    set_buffer(tx, SO_SNDBUFFORCE, SO_SNDBUF);

    const int rx = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (rx < 0) fail("socket(SOCK_RAW, IPPROTO_TCP)", errno);
    dev->rx_fd_ = rx;
    // ip(7): IP_PKTINFO tells us the interface a packet came in on.
    if (setsockopt(rx, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0)
        fail("setsockopt(IP_PKTINFO)", errno);
    set_buffer(rx, SO_RCVBUFFORCE, SO_RCVBUF);

    const int icmp = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (icmp < 0) fail("socket(SOCK_RAW, IPPROTO_ICMP)", errno);
    dev->icmp_fd_ = icmp;
    // raw(7) ICMP_FILTER: a set bit drops that type. Keep only the errors a
    // connection must hear of: destination unreachable and time exceeded.
    icmp_filter filter{~((1u << ICMP_DEST_UNREACH) | (1u << ICMP_TIME_EXCEEDED))};
    if (setsockopt(icmp, SOL_RAW, ICMP_FILTER, &filter, sizeof filter) != 0)
        fail("setsockopt(ICMP_FILTER)", errno);
    if (setsockopt(icmp, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0)
        fail("setsockopt(IP_PKTINFO)", errno);

    dev->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (dev->epoll_fd_ < 0) fail("epoll_create1", errno);
    for (int fd : {rx, icmp}) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (epoll_ctl(dev->epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl", errno);
    }
    LOG(link, debug) << "raw: opened send socket fd " << tx << " (IPPROTO_RAW, mark 0x" << std::hex
                     << mark << std::dec << "), receive sockets fd " << rx << " (IPPROTO_TCP) and "
                     << icmp << " (IPPROTO_ICMP errors)";
    return dev;
}

RawIpDevice::~RawIpDevice() {
    for (int fd : {tx_fd_, rx_fd_, icmp_fd_, epoll_fd_})
        if (fd >= 0) ::close(fd);
}

bool RawIpDevice::is_loopback(int ifindex) {
    if (auto it = loopback_.find(ifindex); it != loopback_.end()) return it->second;
    bool lo = false;
    ifreq ifr{};
    if (if_indextoname(static_cast<unsigned>(ifindex), ifr.ifr_name) &&
        ioctl(rx_fd_, SIOCGIFFLAGS, &ifr) == 0)
        lo = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
    loopback_.emplace(ifindex, lo);
    return lo;
}

std::optional<Received> RawIpDevice::receive(base::MutBytes buf) {
    const int first = icmp_next_ ? icmp_fd_ : rx_fd_, second = icmp_next_ ? rx_fd_ : icmp_fd_;
    icmp_next_ = !icmp_next_;
    if (auto r = receive_from(first, buf)) return r;
    return receive_from(second, buf);
}

std::optional<Received> RawIpDevice::receive_from(int fd, base::MutBytes buf) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    for (;;) {
        const ssize_t n = recvmsg(fd, &msg, 0);
        if (n >= 0) {
            Received r;
            r.length = static_cast<std::size_t>(n);
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                    in_pktinfo pi;
                    std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
                    // The kernel's TCP leaves the checksum to the "hardware"
                    // (CHECKSUM_PARTIAL), and loopback never computes it.
                    r.checksum_trusted = is_loopback(pi.ipi_ifindex);
                }
            }
            return r;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            LOG(link, warning) << "raw: recvmsg: " << std::strerror(errno);
        }
        return std::nullopt;
    }
}

int RawIpDevice::send(base::Bytes packet) {
    // The stack built this header; one that does not parse is a bug upstream.
    const auto v = ip::parse_ipv4(packet, /*verify=*/false);
    if (!v) return EINVAL;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    // raw(7): with IP_HDRINCL the destination comes from the header too, but
    // sendto() still wants it for the route lookup.
    to.sin_addr.s_addr = htonl(v->header.dst);
    for (;;) {
        const ssize_t n = sendto(tx_fd_, packet.data(), packet.size(), 0,
                                 reinterpret_cast<const sockaddr*>(&to), sizeof to);
        if (n >= 0) return 0;
        if (errno == EINTR) continue;
        return errno;
    }
}

}  // namespace l2
