// A test device: one end of a socketpair(AF_UNIX, SOCK_DGRAM), so two stacks
// in one process exchange IPv4 packets through the kernel with packet
// boundaries kept and a real fd for epoll; no root, no network.
#pragma once
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <utility>

#include "link/device.hpp"

namespace testdev {

class PairDevice final : public l2::Device {
public:
    explicit PairDevice(int fd, l2::Framing framing = l2::Framing::Ipv4, std::size_t mtu = 65535)
        : fd_(fd), framing_(framing), mtu_(mtu) {}
    ~PairDevice() override { ::close(fd_); }
    std::string_view name() const override { return "pair"; }
    l2::Framing framing() const override { return framing_; }
    int fd() const override { return fd_; }
    std::size_t mtu() const override { return mtu_; }
    std::optional<l2::Received> receive(base::MutBytes buf) override {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0) return std::nullopt;
        return l2::Received{static_cast<std::size_t>(n), false};
    }
    int send(base::Bytes p) override {
        if (blackhole->load()) return 0;  // "sent", and lost on the way
        return ::send(fd_, p.data(), p.size(), MSG_DONTWAIT) < 0 ? errno : 0;
    }
    // Shared with the test, which keeps it after the stack owns the device.
    std::shared_ptr<std::atomic<bool>> blackhole = std::make_shared<std::atomic<bool>>(false);

private:
    int fd_;
    l2::Framing framing_;
    std::size_t mtu_;
};

// Two connected devices; Ethernet framing makes a two-host Ethernet segment
// (mtu includes the 14-byte header).
inline std::pair<std::unique_ptr<PairDevice>, std::unique_ptr<PairDevice>> make_pair(
    l2::Framing framing = l2::Framing::Ipv4, std::size_t mtu = 65535) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return {};
    const int buf = 4 << 20;
    for (int fd : fds) {
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    }
    return {std::make_unique<PairDevice>(fds[0], framing, mtu),
            std::make_unique<PairDevice>(fds[1], framing, mtu)};
}

}  // namespace testdev
