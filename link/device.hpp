// A network device as the stack sees it: something that hands over one
// packet (or frame) at a time and takes one to send, with a file descriptor
// the event loop can wait on. The raw IP socket is one; AF_PACKET, TAP and
// the simulated link are others. Wrappers (pcap writer, fault injector) are
// devices around a device, so every link mode gets them for free.
//
// The link layer's namespace is `l2`: <unistd.h> declares a function ::link.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"

namespace l2 {

// What one unit on this device is: a bare IPv4 packet (raw sockets) or an
// Ethernet frame (AF_PACKET, TAP).
enum class Framing { Ipv4, Ethernet };

// On the event loop's clock (CLOCK_MONOTONIC).
using base::Time;

struct Received {
    std::size_t length = 0;  // bytes written into the caller's buffer
    // The transport checksum was never filled in because the packet never
    // left this host (loopback, or a veth/TAP peer with checksum offload:
    // the kernel's CHECKSUM_PARTIAL), so it must not be verified.
    bool checksum_trusted = false;
    // Where a partial transport checksum (a TAP's NEEDS_CSUM) still to be
    // finished starts and goes, counted from the frame's start; 0/0 when the
    // frame is whole. Nothing on the receive path needs it finished (the
    // checksum is trusted); a capture that writes the frame out finishes it
    // first with finish_partial_checksum() (link/vnet.hpp).
    std::uint16_t partial_start = 0;
    std::uint16_t partial_offset = 0;
};

// A TCP super-packet for Device::send_gso in pieces, so that its payload
// need not be copied next to its headers: `head` holds the Ethernet (or
// nothing, on a device without framing), IPv4 and whole TCP header, the
// TCP checksum field partial as send_gso has it (link/gso_checksum.hpp),
// and `p1` then `p2` the payload (the send ring's two spans). Joined, they
// are the packet send_gso would take. Every span is valid only during the
// call.
struct GsoParts {
    base::Bytes head;
    base::Bytes p1, p2;
    std::uint16_t gso_size = 0;
    std::size_t size() const { return head.size() + p1.size() + p2.size(); }
};

// The packet `parts` stand for, in `out` (resized; its capacity is kept).
void join_parts(const GsoParts& parts, std::vector<std::uint8_t>& out);

// What a device counted of its own (--stats prints them per interface).
// Zero where the device cannot know.
struct LinkCounters {
    std::uint64_t rx_dropped = 0;    // the kernel dropped them for us: our ring or socket was full
    std::uint64_t rx_truncated = 0;  // longer than we could take; dropped
    std::uint64_t rx_bad = 0;        // a TAP's virtio_net_hdr that made no sense; dropped
    std::uint64_t tx_dropped = 0;    // the kernel refused them (ENOBUFS...): lost to TCP
    std::uint64_t tx_gso = 0;        // TCP super-packets handed to the kernel to cut (TSO)
};

// A device could not be opened; what() is one line a user can act on.
struct DeviceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Device {
public:
    virtual ~Device() = default;
    virtual std::string_view name() const = 0;
    virtual Framing framing() const = 0;
    // Readable when receive() has something; the loop waits on it in epoll.
    virtual int fd() const = 0;
    // Largest packet/frame send() takes (the link MTU, plus 14 for Ethernet).
    virtual std::size_t mtu() const = 0;
    // One packet/frame into `buf` (truncated if it does not fit; make buf at
    // least 64 KiB), or nullopt when nothing is waiting. Never blocks.
    virtual std::optional<Received> receive(base::MutBytes buf) = 0;
    // Sends one packet/frame. Returns 0, or the errno value (ENETUNREACH,
    // EHOSTUNREACH, ENOBUFS...); a failed send is a lost packet to TCP.
    virtual int send(base::Bytes packet) = 0;
    // A device that batches (AF_PACKET, raw sockets) may keep what send()
    // took until flush(): the event loop calls it once at the end of every
    // wake-up, so the frames of one wake-up leave in one system call. A
    // packet that then fails is lost to TCP like any other; the device
    // counts and logs it. Unbatched devices send at once and have nothing
    // to do here; wrappers forward it to the device they wrap.
    virtual void flush() {}
    // Raw mode: the TCP ports the stack holds, each time the set changes
    // (from any thread), so a device that can filter in the kernel lets in
    // only segments to them. Other devices ignore it; wrappers forward it.
    virtual void accept_ports(std::span<const std::uint16_t> /*ports*/) {}
    // True when receive() may hand over IPv4 packets longer than the MTU:
    // the kernel's GSO super-packets (a TAP with TUN_F_TSO4, a veth with
    // offloads on), whose checksum is partial. The host takes packets
    // longer than the MTU only from such a device.
    virtual bool receives_gso() const { return false; }
    // The largest IPv4 packet one send takes (without the Ethernet header).
    // Larger than the link MTU only on a device that segments TCP itself
    // (TSO: a TAP with TUN_F_TSO4 cuts a super-packet into MSS-sized
    // pieces, as a NIC would); the host sizes TCP segments by it.
    virtual std::size_t max_send_packet() const {
        return framing() == Framing::Ethernet ? mtu() - 14 : mtu();  // RFC 894: 14-byte header
    }
    // A TCP super-packet longer than the link MTU, for the device to cut
    // into pieces of `gso_size` payload bytes each (every piece with the
    // same headers and options; PSH and FIN on the last only, the IP ID
    // incremented per piece). Only for packets up to max_send_packet().
    // With gso_size != 0 its TCP checksum is partial, as Linux's
    // CHECKSUM_PARTIAL (link/gso_checksum.hpp): the field holds the folded
    // pseudo-header sum, and the device (or a wrapper that needs the frame
    // whole) completes it; the host hands one over only when the packet is
    // longer than the link MTU. gso_size 0: a whole packet, as send().
    // This default, for a device that cannot segment, finishes the
    // checksum in a copy and sends the super-packet as it is, so no wrong
    // checksum reaches the wire (the host never hands it one: its
    // max_send_packet() is the MTU).
    virtual int send_gso(base::Bytes packet, std::uint16_t gso_size);
    // The same super-packet in pieces (GsoParts): what the host hands over
    // when it would otherwise copy the payload next to the headers. This
    // default joins the pieces in a buffer of the device's and calls
    // send_gso(), so a device (or wrapper) that needs the packet whole sees
    // exactly what send_gso would have seen. A device that writes the
    // pieces out as they are (the TAP's writev) overrides it; it must not
    // keep the spans past the call (a batching device cannot).
    virtual int send_gso_parts(const GsoParts& parts);
    // Raw mode: send_gso() takes super-segments to the kernel's own
    // addresses, whatever max_send_packet() says (they leave through lo,
    // which cuts them); to no other address.
    virtual bool gso_to_local() const { return false; }

    // A device that holds packets back (the fault injector's --delay) says
    // when it next has work, and the event loop calls on_deadline() then, so
    // that nothing waits for the next packet to arrive. Plain devices have
    // nothing to do; wrappers pass both calls to the device they wrap.
    virtual std::optional<Time> next_deadline() const { return std::nullopt; }
    virtual void on_deadline(Time /*now*/) {}

    // The device's own counters so far (from the event loop's thread only:
    // reading the kernel's may reset them there, so the device sums them).
    virtual LinkCounters link_counters() { return {}; }

private:
    std::vector<std::uint8_t> joined_;  // send_gso_parts' default
};

// A device around another (pcap, faults, trace, plot): every call goes to
// the wrapped device unless the wrapper overrides it, so a wrapper states
// only what it changes and a call added to Device reaches every device
// beneath (a wrapper that swallowed flush() would strand every batched
// send).
class DeviceWrapper : public Device {
public:
    explicit DeviceWrapper(std::unique_ptr<Device> inner) : inner_(std::move(inner)) {}

    std::string_view name() const override { return inner_->name(); }
    Framing framing() const override { return inner_->framing(); }
    int fd() const override { return inner_->fd(); }
    std::size_t mtu() const override { return inner_->mtu(); }
    std::optional<Received> receive(base::MutBytes buf) override { return inner_->receive(buf); }
    int send(base::Bytes packet) override { return inner_->send(packet); }
    void flush() override { inner_->flush(); }
    void accept_ports(std::span<const std::uint16_t> p) override { inner_->accept_ports(p); }
    bool receives_gso() const override { return inner_->receives_gso(); }
    std::size_t max_send_packet() const override { return inner_->max_send_packet(); }
    int send_gso(base::Bytes p, std::uint16_t gso_size) override { return inner_->send_gso(p, gso_size); }
    // Not forwarded: the pieces are joined (Device's default) and go through
    // this wrapper's send_gso(), so a pcap writer, the fault injector, the
    // tracer and the plotter see the whole packet, as before.
    int send_gso_parts(const GsoParts& parts) override { return Device::send_gso_parts(parts); }
    bool gso_to_local() const override { return inner_->gso_to_local(); }
    std::optional<Time> next_deadline() const override { return inner_->next_deadline(); }
    void on_deadline(Time now) override { inner_->on_deadline(now); }
    LinkCounters link_counters() override { return inner_->link_counters(); }

protected:
    std::unique_ptr<Device> inner_;
};

}  // namespace l2
