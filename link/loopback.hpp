// The in-stack loopback interface (RFC 1122 3.2.1.3: 127.0.0.0/8 is
// "internal host loopback"; such datagrams "MUST NOT appear outside a
// host"). In packet and tap mode the stack owns its addresses, so it also
// answers 127.0.0.1 itself: a packet sent here is queued and comes back as
// received on the loop's next turn (an eventfd makes it readable in epoll),
// never recursively from inside send().
#pragma once
#include <deque>
#include <vector>

#include "link/device.hpp"

namespace l2 {

class LoopbackDevice final : public Device {
public:
    static constexpr std::size_t kMaxQueued = 1024;  // Linux's default txqueuelen

    LoopbackDevice();  // throws DeviceError if eventfd() fails
    ~LoopbackDevice() override;
    LoopbackDevice(const LoopbackDevice&) = delete;
    LoopbackDevice& operator=(const LoopbackDevice&) = delete;

    std::string_view name() const override { return "lo"; }
    Framing framing() const override { return Framing::Ipv4; }
    int fd() const override { return event_fd_; }
    std::size_t mtu() const override { return 65535; }
    std::optional<Received> receive(base::MutBytes buf) override;
    int send(base::Bytes packet) override;  // ENOBUFS when the queue is full

private:
    int event_fd_ = -1;
    std::deque<std::vector<std::uint8_t>> queue_;
};

}  // namespace l2
