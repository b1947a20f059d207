#include "link/packet.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>  // tpacket_auxdata, TP_STATUS_CSUMNOTREADY
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "link/vnet.hpp"

namespace l2 {

namespace {

// Room for a burst while the loop is busy: about 2,700 frames of 1514
// bytes, or 64 GSO super-packets of 64 KiB from a veth with offloads on.
constexpr int kSocketBuffer = 4 << 20;
// The receive ring: 2,048 slots of 2 KiB at an MTU of 1500, the same room.
constexpr std::size_t kRingBytes = 4 << 20;

[[noreturn]] void fail(const std::string& what, int err) {
    if (err == EPERM || err == EACCES)
        throw DeviceError("AF_PACKET sockets need root or CAP_NET_RAW: run with sudo");
    throw DeviceError(what + ": " + std::strerror(err));
}

ifreq request_for(const std::string& ifname) {
    if (ifname.empty() || ifname.size() >= IFNAMSIZ)
        throw DeviceError("bad interface name '" + ifname + "'");
    ifreq r{};
    std::memcpy(r.ifr_name, ifname.c_str(), ifname.size());
    return r;
}

const std::uint8_t kNoVnet[kVnetHdrLen] = {};  // GSO_NONE, whole checksums

}  // namespace

int open_gso_sender(int ifindex) {
    const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int on = 1;
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = 0;  // packet(7): no protocol, no frames delivered to it
    addr.sll_ifindex = ifindex;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof on) != 0 ||
        bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
    return fd;
}

MacAddr interface_mac(int fd, const std::string& ifname) {
    ifreq r = request_for(ifname);
    if (ioctl(fd, SIOCGIFHWADDR, &r) != 0) fail(ifname + ": SIOCGIFHWADDR", errno);
    if (r.ifr_hwaddr.sa_family != ARPHRD_ETHER)
        throw DeviceError(ifname + " is not an Ethernet interface (link type " +
                          std::to_string(r.ifr_hwaddr.sa_family) + ")");
    MacAddr m;
    std::memcpy(m.bytes.data(), r.ifr_hwaddr.sa_data, 6);
    return m;
}

std::size_t interface_mtu(int fd, const std::string& ifname) {
    ifreq r = request_for(ifname);
    if (ioctl(fd, SIOCGIFMTU, &r) != 0) fail(ifname + ": SIOCGIFMTU", errno);
    return static_cast<std::size_t>(r.ifr_mtu);
}

std::unique_ptr<PacketDevice> PacketDevice::open(const std::string& ifname,
                                                 std::optional<MacAddr> mac) {
    std::unique_ptr<PacketDevice> dev(new PacketDevice);
    dev->name_ = ifname;
    (void)request_for(ifname);  // validates the name's length
    dev->ifindex_ = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (dev->ifindex_ == 0) throw DeviceError("no interface named '" + ifname + "' (see `ip link`)");

    // packet(7): protocol 0 until bind(), so no frame of another interface
    // slips in between; then ETH_P_ALL on this interface alone.
    dev->fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (dev->fd_ < 0) fail("socket(AF_PACKET)", errno);
    const int fd = dev->fd_;
    dev->mac_ = mac ? *mac : interface_mac(fd, ifname);
    dev->mtu_ = interface_mtu(fd, ifname);

    const int on = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof on) != 0)
        fail("setsockopt(PACKET_AUXDATA)", errno);
    // packet(7): our own frames need not come back to us at all (Linux 4.20;
    // receive() still skips PACKET_OUTGOING where this is refused). No
    // PACKET_QDISC_BYPASS: it would also skip the taps, and tcpdump or
    // ./dump on the interface would no longer see what we send.
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on, sizeof on);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);

    // Before bind(): until then the socket takes no frame, so none waits
    // outside the ring.
    dev->mapped_ = map_rx_ring(fd, dev->mtu_ + kEthHeaderLen, kRingBytes);
    if (dev->mapped_) {
        const auto& l = dev->mapped_->layout;
        dev->ring_.emplace(dev->mapped_->base, l.frame_size, l.frame_count);
        LOG(link, debug) << "packet: receive ring on " << ifname << ": " << l.frame_count
                         << " slots of " << l.frame_size << " bytes";
    } else {
        LOG(link, info) << "packet: no receive ring on " << ifname << " (" << std::strerror(errno)
                        << "); recvmmsg() instead";
    }

    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = dev->ifindex_;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail("binding to " + ifname, errno);

    // A MAC of our own choosing: the NIC filters by its own, so listen to all.
    if (mac && *mac != interface_mac(fd, ifname)) {
        packet_mreq mr{};
        mr.mr_ifindex = dev->ifindex_;
        mr.mr_type = PACKET_MR_PROMISC;
        if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0)
            fail("promiscuous mode on " + ifname, errno);
    }

    dev->tx_fd_ = open_gso_sender(dev->ifindex_);
    if (dev->tx_fd_ < 0) {
        LOG(link, info) << "packet: no PACKET_VNET_HDR on " << ifname << " (" << std::strerror(errno)
                        << "); TCP goes out in MSS-sized frames";
    }

    ifreq r = request_for(ifname);
    if (ioctl(fd, SIOCGIFFLAGS, &r) == 0 && !(r.ifr_flags & IFF_UP)) {
        r.ifr_flags = static_cast<short>(r.ifr_flags | IFF_UP);
        if (ioctl(fd, SIOCSIFFLAGS, &r) != 0) fail("bringing " + ifname + " up", errno);
        LOG(link, info) << "packet: " << ifname << " was down; brought it up";
    }
    LOG(link, debug) << "packet: bound fd " << fd << " to " << ifname << " (index "
                     << dev->ifindex_ << ", MTU " << dev->mtu_ << "), our MAC "
                     << dev->mac_.to_string();
    return dev;
}

PacketDevice::~PacketDevice() {
    flush();
    if (mapped_) unmap_rx_ring(*mapped_);
    if (tx_fd_ >= 0) ::close(tx_fd_);
    if (fd_ >= 0) ::close(fd_);
}

std::optional<PacketFrame> recv_packet_frame(int fd, base::MutBytes buf) {
    sockaddr_ll from{};
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd, &msg, 0);
    if (n < 0) return std::nullopt;
    PacketFrame f;
    f.length = std::min(static_cast<std::size_t>(n), buf.size());
    f.outgoing = from.sll_pkttype == PACKET_OUTGOING;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        tpacket_auxdata aux;
        std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
        // With checksum offload the kernel hands the frame over
        // before the transport checksum exists (what tcpdump does too).
        f.checksum_not_ready = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
    }
    return f;
}

std::optional<Received> PacketDevice::receive(base::MutBytes buf) {
    if (ring_) return receive_ring(buf);
    if (!one_by_one_) {
        if (!rx_) rx_.emplace();
        const auto f = rx_->next(buf, [this](mmsghdr* msgs, unsigned n) {
            // What the last batch made us send (its ACKs) leaves before the
            // next is read, not after a whole wake-up of 64 KiB frames.
            flush();
            const int r = recvmmsg(fd_, msgs, n, MSG_DONTWAIT, nullptr);
            return r < 0 ? -errno : r;
        });
        if (rx_->truncated() != truncated_) {
            truncated_ = rx_->truncated();
            LOG(link, debug) << "packet: a frame longer than " << RxBatch::kSlot << " bytes on "
                             << name_ << " dropped (" << truncated_ << " in all)";
        }
        if (f) return Received{f->length, f->checksum_not_ready};  // unverifiable: not ours to check
        const int err = rx_->last_error();
        if (err == EAGAIN || err == EWOULDBLOCK) return std::nullopt;
        if (err != ENOSYS) {
            LOG(link, warning) << "packet: recvmmsg on " << name_ << ": " << std::strerror(err);
            return std::nullopt;
        }
        LOG(link, warning) << "packet: no recvmmsg() on " << name_ << "; one recvmsg() per frame instead";
        one_by_one_ = true;
    }
    return receive_one(buf);
}

std::optional<Received> PacketDevice::receive_ring(base::MutBytes buf) {
    for (;;) {
        const auto f = ring_->next(buf);
        if (ring_->truncated() != truncated_) {
            truncated_ = ring_->truncated();
            LOG(link, debug) << "packet: a frame longer than a ring slot on " << name_
                             << " dropped (" << truncated_ << " in all)";
        }
        if (!f) return std::nullopt;
        if (!f->copy) return Received{f->length, f->checksum_not_ready};  // unverifiable: not ours to check
        // Longer than a slot (a GSO super-packet): whole on the socket.
        if (auto r = receive_one(buf)) return r;
    }
}

std::optional<Received> PacketDevice::receive_one(base::MutBytes buf) {
    for (;;) {
        const auto f = recv_packet_frame(fd_, buf);
        if (!f) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                LOG(link, warning) << "packet: recvmsg on " << name_ << ": " << std::strerror(errno);
            }
            return std::nullopt;
        }
        // packet(7): an ETH_P_ALL socket also sees what this host sends on
        // the interface, ours included. Those are not for us.
        if (f->outgoing) continue;
        Received r;
        r.length = f->length;
        r.checksum_trusted = f->checksum_not_ready;  // unverifiable: not ours to check
        return r;
    }
}

bool PacketDevice::queue(base::Bytes frame, base::Bytes head) {
    const base::Bytes pieces[2] = {head, frame};
    return queue_pieces(pieces);
}

bool PacketDevice::queue_pieces(std::span<const base::Bytes> pieces) {
    if (!tx_.add_pieces(pieces)) {
        flush();
        if (!tx_.add_pieces(pieces)) return false;  // larger than the whole batch
    }
    if (tx_.size() == TxBatch::kMaxFrames) flush();
    return true;
}

int PacketDevice::send(base::Bytes frame) {
    const base::Bytes head = tx_fd_ >= 0 ? base::Bytes(kNoVnet, kVnetHdrLen) : base::Bytes();
    return queue(frame, head) ? 0 : send_now(frame);  // too large for a batch: alone
}

bool PacketDevice::gso_header(base::Bytes head, std::size_t size, std::uint16_t gso_size, std::uint8_t* out) {
    const auto plan = plan_partial_tso(head, size, gso_size);
    if (!plan) {
        ++gso_refused_;
        LOG(link, debug) << "packet: " << name_ << ": a " << size
                         << "-byte frame that is no IPv4 TCP super-packet with a partial "
                            "checksum; dropped (" << gso_refused_ << " in all)";
        return false;
    }
    write_vnet(plan->hdr, base::MutBytes(out, kVnetHdrLen));
    return true;
}

int PacketDevice::send_gso(base::Bytes frame, std::uint16_t gso_size) {
    if (gso_size == 0) return send(frame);
    if (tx_fd_ < 0) return Device::send_gso(frame, gso_size);  // cannot segment: whole
    std::uint8_t head[kVnetHdrLen];
    if (!gso_header(frame, frame.size(), gso_size, head)) return EINVAL;
    if (!queue(frame, base::Bytes(head, sizeof head))) return EMSGSIZE;
    ++gso_sent_;
    return 0;
}

int PacketDevice::send_gso_parts(const GsoParts& parts) {
    if (parts.gso_size == 0 || tx_fd_ < 0) return Device::send_gso_parts(parts);
    std::uint8_t head[kVnetHdrLen];
    if (!gso_header(parts.head, parts.size(), parts.gso_size, head)) return EINVAL;
    const base::Bytes pieces[4] = {base::Bytes(head, sizeof head), parts.head, parts.p1, parts.p2};
    if (!queue_pieces(pieces)) return EMSGSIZE;
    ++gso_sent_;
    return 0;
}

void PacketDevice::flush() {
    if (tx_.empty()) return;
    const auto f = tx_.flush([this](std::span<const TxBatch::Item> items) {
        mmsghdr msgs[TxBatch::kMaxFrames];
        iovec iov[TxBatch::kMaxFrames];
        const std::size_t n = std::min(items.size(), TxBatch::kMaxFrames);
        for (std::size_t i = 0; i < n; ++i) {
            iov[i] = {const_cast<std::uint8_t*>(items[i].bytes.data()), items[i].bytes.size()};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int r = sendmmsg(tx_fd_ >= 0 ? tx_fd_ : fd_, msgs, static_cast<unsigned>(n), MSG_DONTWAIT);
        return r < 0 ? -errno : r;
    });
    if (f.dropped > 0) {
        tx_dropped_ += f.dropped;
        LOG(link, debug) << "packet: " << f.dropped << " frames not sent on " << name_ << ": "
                         << std::strerror(f.last_error) << " (" << tx_dropped_ << " in all)";
    }
}

int PacketDevice::send_now(base::Bytes frame) {
    for (;;) {
        const ssize_t n = ::send(fd_, frame.data(), frame.size(), MSG_DONTWAIT);
        if (n >= 0) return 0;
        if (errno == EINTR) continue;
        return errno;
    }
}

LinkCounters PacketDevice::link_counters() {
    // packet(7) PACKET_STATISTICS: the frames the kernel dropped because the
    // ring (or the socket's queue) was full since the last read, which
    // resets them.
    tpacket_stats st{};
    socklen_t len = sizeof st;
    if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) kernel_drops_ += st.tp_drops;
    return {kernel_drops_, truncated_, 0, tx_dropped_ + gso_refused_, gso_sent_};
}

}  // namespace l2
