#include "link/raw_ip.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <net/if.h>
#include <linux/icmp.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"
#include "link/packet.hpp"
#include "link/port_filter.hpp"
#include "link/vnet.hpp"

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

void RawIpDevice::open_loopback_sender() {
    if (lo_fd_ >= 0) return;
    const unsigned lo = if_nametoindex("lo");
    lo_fd_ = lo ? open_gso_sender(static_cast<int>(lo)) : -1;
    if (lo_fd_ < 0) {
        LOG(link, info) << "raw: no AF_PACKET socket with PACKET_VNET_HDR on lo (" << std::strerror(errno)
                        << "): every segment goes through the raw socket";
    }
}

void RawIpDevice::watch_loopback_frames(std::function<bool()> allowed) { lo_allowed_ = std::move(allowed); }

bool RawIpDevice::gso_to_local() const {
    if (lo_fd_ < 0) return false;
    if (!lo_allowed_) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now < lo_next_check_) return lo_open_;
    lo_next_check_ = now + std::chrono::seconds(1);
    const bool open = lo_allowed_();
    if (open != lo_open_) {
        if (open) {
            LOG(link, info) << "raw: lo takes our frames again: TCP super-segments to local addresses "
                               "go that way again";
        } else {
            LOG(link, warning) << "raw: net.ipv4.conf.lo.route_localnet or accept_local was turned off, "
                                  "so the kernel may drop the frames we put on lo: TCP to local addresses "
                                  "now goes one segment per packet";
        }
    }
    lo_open_ = open;
    return open;
}

RawIpDevice::~RawIpDevice() {
    flush();
    for (int fd : {tx_fd_, rx_fd_, icmp_fd_, lo_fd_, epoll_fd_})
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
    if (got_i_ == got_n_) {
        // A short batch emptied the TCP socket: end this wake-up here
        // rather than ask both sockets again for nothing (two system calls
        // per wake-up that would answer EAGAIN). The device's epoll fd is
        // level-triggered, so a packet that came since, or an ICMP error
        // waiting, wakes the loop again at once.
        if (drained_) {
            drained_ = false;
            return std::nullopt;
        }
        // Neither socket starves the other: the ICMP socket gets a look
        // whenever the TCP socket has nothing, and first every kIcmpEvery
        // batches while TCP segments keep coming.
        const bool icmp_first = ++icmp_skipped_ >= kIcmpEvery;
        if (icmp_first) {
            icmp_skipped_ = 0;
            if (auto r = receive_from(icmp_fd_, buf)) return r;
        }
        if (!refill(buf)) return icmp_first ? std::nullopt : receive_from(icmp_fd_, buf);
        drained_ = got_n_ < kRxBatch;
        ++got_i_;
        return got_[0];  // the first of a batch is read straight into buf
    }
    Received r = got_[got_i_];
    const std::uint8_t* slot = rx_slots_.data() + (got_i_ - 1) * kRxSlot;
    r.length = std::min(r.length, buf.size());
    std::memcpy(buf.data(), slot, r.length);
    ++got_i_;
    return r;
}

bool RawIpDevice::refill(base::MutBytes first) {
    // What this batch's segments made us send (their ACKs) leaves before
    // the next batch is read: a sender on lo waits for them, and a whole
    // wake-up of 64 KiB segments would hold back its window.
    flush();
    got_n_ = got_i_ = 0;
    mmsghdr msgs[kRxBatch]{};
    iovec iov[kRxBatch];
    alignas(cmsghdr) char control[kRxBatch][CMSG_SPACE(sizeof(in_pktinfo))];
    for (std::size_t i = 0; i < kRxBatch; ++i) {
        iov[i] = i == 0 ? iovec{first.data(), first.size()}
                        : iovec{rx_slots_.data() + (i - 1) * kRxSlot, kRxSlot};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
    int n;
    do {
        n = recvmmsg(rx_fd_, msgs, kRxBatch, MSG_DONTWAIT, nullptr);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            LOG(link, warning) << "raw: recvmmsg: " << std::strerror(errno);
        }
        return false;
    }
    for (int i = 0; i < n; ++i) {
        Received& r = got_[static_cast<std::size_t>(i)];
        r = {};
        r.length = std::min<std::size_t>(msgs[i].msg_len, iov[i].iov_len);
        msghdr& m = msgs[i].msg_hdr;
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO) continue;
            in_pktinfo pi;
            std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
            // As in receive_from: loopback never computes the checksum.
            r.checksum_trusted = is_loopback(pi.ipi_ifindex);
        }
    }
    got_n_ = static_cast<std::size_t>(n);
    return true;
}

void RawIpDevice::accept_ports(std::span<const std::uint16_t> ports) {
    auto prog = tcp_port_filter(ports);
    sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
    // The kernel swaps the program in one step; a segment queued before it
    // is still checked by the host.
    if (setsockopt(rx_fd_, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0) {
        LOG(link, warning) << "raw: SO_ATTACH_FILTER (" << ports.size()
                           << " ports): " << std::strerror(errno) << "; every TCP segment comes in";
    }
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
    const std::uint32_t dst = v->header.dst;
    if (tx_.add(packet, dst)) {
        if (tx_.size() == TxBatch::kMaxFrames) flush();
        return 0;
    }
    flush();
    return tx_.add(packet, dst) ? 0 : send_now(packet, dst);
}

namespace {
sockaddr_in to_addr(std::uint32_t dst) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    // raw(7): with IP_HDRINCL the destination comes from the header too, but
    // sendto() still wants it for the route lookup.
    to.sin_addr.s_addr = htonl(dst);
    return to;
}
}  // namespace

void RawIpDevice::flush() {
    if (tx_.empty()) return;
    const auto f = tx_.flush([this](std::span<const TxBatch::Item> items) {
        // One packet (a request's answer, an ACK): sendto(2) spares the
        // kernel copying and walking the message headers of sendmmsg(2).
        if (items.size() == 1) {
            const int e = send_now(items[0].bytes, items[0].dst);
            return e == 0 ? 1 : -e;
        }
        mmsghdr msgs[TxBatch::kMaxFrames]{};
        iovec iov[TxBatch::kMaxFrames];
        sockaddr_in to[TxBatch::kMaxFrames];
        const std::size_t n = std::min(items.size(), TxBatch::kMaxFrames);
        for (std::size_t i = 0; i < n; ++i) {
            iov[i] = {const_cast<std::uint8_t*>(items[i].bytes.data()), items[i].bytes.size()};
            to[i] = to_addr(items[i].dst);
            msgs[i].msg_hdr.msg_name = &to[i];
            msgs[i].msg_hdr.msg_namelen = sizeof to[i];
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int r = sendmmsg(tx_fd_, msgs, static_cast<unsigned>(n), MSG_DONTWAIT);
        return r < 0 ? -errno : r;
    });
    if (f.dropped > 0) {
        tx_dropped_ += f.dropped;
        LOG(link, debug) << "raw: " << f.dropped << " packets not sent: "
                         << std::strerror(f.last_error) << " (" << tx_dropped_ << " in all)";
    }
}

int RawIpDevice::send_gso(base::Bytes packet, std::uint16_t gso_size) {
    if (lo_fd_ < 0 || gso_size == 0) return Device::send_gso(packet, gso_size);
    return send_on_lo({packet, {}, {}, gso_size});
}

int RawIpDevice::send_gso_parts(const GsoParts& parts) {
    if (lo_fd_ < 0 || parts.gso_size == 0) return Device::send_gso_parts(parts);
    return send_on_lo(parts);
}

int RawIpDevice::send_on_lo(const GsoParts& parts) {
    // lo is an Ethernet-framed device whose address is all zeros
    // (loopback_xmit: eth_type_trans finds the frame ours). Its headers, as
    // plan_tso reads them, in front of the packet's own.
    std::uint8_t head[kVnetHdrLen + kEthHeaderLen + 120]{};
    std::uint8_t* eth = head + kVnetHdrLen;
    base::put_u16(eth + 12, ethertype::IPv4);
    const std::size_t copied = std::min<std::size_t>(parts.head.size(), sizeof head - kVnetHdrLen - kEthHeaderLen);
    std::memcpy(eth + kEthHeaderLen, parts.head.data(), copied);
    const auto plan =
        plan_partial_tso(base::Bytes(eth, kEthHeaderLen + copied), kEthHeaderLen + parts.size(), parts.gso_size);
    if (!plan) {
        ++gso_refused_;
        LOG(link, debug) << "raw: a " << parts.size() << "-byte packet that is no IPv4 TCP "
                         << "super-segment with a partial checksum; dropped";
        return EINVAL;
    }
    write_vnet(plan->hdr, head);
    // In order with what the raw socket still holds.
    flush();
    // The packet from where it lies (the payload in the send ring): the
    // kernel copies it once, into the frame.
    iovec iov[4] = {{head, kVnetHdrLen + kEthHeaderLen}};
    std::size_t n = 1;
    for (const base::Bytes b : {parts.head, parts.p1, parts.p2})
        if (!b.empty()) iov[n++] = {const_cast<std::uint8_t*>(b.data()), b.size()};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = n;
    for (;;) {
        if (sendmsg(lo_fd_, &m, MSG_DONTWAIT) >= 0) {
            ++gso_sent_;
            return 0;
        }
        if (errno == EINTR) continue;
        ++tx_dropped_;
        return errno;
    }
}

int RawIpDevice::send_now(base::Bytes packet, std::uint32_t dst) {
    const sockaddr_in to = to_addr(dst);
    for (;;) {
        const ssize_t n = sendto(tx_fd_, packet.data(), packet.size(), 0,
                                 reinterpret_cast<const sockaddr*>(&to), sizeof to);
        if (n >= 0) return 0;
        if (errno == EINTR) continue;
        return errno;
    }
}

LinkCounters RawIpDevice::link_counters() {
    // socket(7) SO_MEMINFO: SK_MEMINFO_DROPS counts what the kernel could
    // not queue for us (a full receive buffer); what our port filter
    // refused is not among them.
    LinkCounters c;
    for (int fd : {rx_fd_, icmp_fd_}) {
        std::uint32_t mem[SK_MEMINFO_VARS]{};
        socklen_t len = sizeof mem;
        if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 && len > SK_MEMINFO_DROPS * sizeof mem[0])
            c.rx_dropped += mem[SK_MEMINFO_DROPS];
    }
    c.tx_dropped = tx_dropped_ + gso_refused_;
    c.tx_gso = gso_sent_;
    return c;
}

}  // namespace l2
