// Whole hosts on a simulated Ethernet segment, on a virtual clock: the sim
// ring for everything around TCP (ARP, IPv4, fragments, ICMP, UDP, the
// listener). Each host is a host::Host with one Ethernet interface (a
// router: one host attached to two Lans, driven by run_lans_until); the
// segment is a hub: what one port sends goes, through that port's own
// FaultInjector (loss, delay, reordering...), to every other port. No
// thread, no socket, no wall clock: a scenario of minutes of virtual time
// runs in milliseconds, the same way every time.
//
//   simhost::Lan lan;
//   auto& a = lan.add(0x0a000001, 1);             // 10.0.0.1, MAC 02:00:00:00:00:01
//   auto& b = lan.add(0x0a000002, 2);
//   auto l = b.host.listen(0, 80, 16, {});
//   auto c = a.host.connect({a.addr, 40000, b.addr, 80}, {}, lan.now, 0s);
//   lan.run_until([&] { return a.host.status(c.value)->established; }, 5s);
//   lan.wire  // every frame sent, in order, with its time and sender
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/host.hpp"
#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"
#include "link/arp.hpp"
#include "link/ethernet.hpp"
#include "link/faults.hpp"
#include "tcp/segment.hpp"

namespace simhost {

using namespace std::chrono_literals;
using host::Time;

// One frame as it went on the wire (before the sender's faults).
struct Frame {
    int from = 0;  // the sending node's index
    Time at{0};
    std::vector<std::uint8_t> bytes;

    std::optional<l2::EthernetView> eth() const;
    std::optional<l2::ArpPacket> arp() const;
    std::optional<ip::Ipv4Header> ip() const;
    std::optional<tcp::Header> tcp() const;      // with the segment's ports and flags
    std::optional<ip::IcmpMessage> icmp() const;
    std::string describe() const;                // for failure messages
};

class Lan;

struct Node final : host::FrameSink {
    // `max_send_packet` above the IP MTU: the interface takes TCP
    // super-packets (InterfaceConfig::max_send_packet).
    Node(Lan& lan, int index, std::uint32_t addr, std::uint8_t mac_last, host::Config cfg,
         l2::FaultConfig faults, std::size_t mtu, std::size_t max_send_packet = 0);
    // Another interface of a host that is on another Lan already (a router).
    Node(Lan& lan, int index, host::Host& h, std::uint32_t addr, std::uint8_t mac_last, std::size_t mtu);
    int transmit(base::Bytes frame) override;
    // A TCP super-packet: cut into pieces as the kernel's TSO would
    // (tso_segment), each piece onto the wire as a frame of its own.
    int transmit_gso(base::Bytes frame, std::uint16_t gso_size) override;
    // A super-packet in pieces: shown to on_parts (when set), then joined
    // and handed to transmit_gso (FrameSink's default).
    int transmit_gso_parts(const l2::GsoParts& parts) override;

    Lan& lan;
    std::function<void(const l2::GsoParts&)> on_parts;
    std::uint64_t parts_frames = 0;    // super-packets handed over in pieces
    // IPv4 packets (and their bytes, without the Ethernet header) handed to
    // transmit and transmit_gso: what Host::counters() must count out.
    std::uint64_t ip_packets = 0, ip_bytes = 0;
    std::uint64_t tso_frames = 0;      // super-packets handed to transmit_gso
    std::size_t largest_frame = 0;     // the longest frame handed to the sink
    std::uint64_t bad_tso = 0;         // super-packets tso_segment refused
    // Every super-packet began at or above the end of all sent before it:
    // only new data went out in super-segments, never a retransmission.
    bool tso_new_data_only = true;
    std::optional<tcp::Seq> tso_end;
    int index;
    std::uint32_t addr;
    l2::MacAddr mac;
    std::unique_ptr<host::Host> own;  // null for a second interface of another node's host
    host::Host& host;
    int ifindex = 0;
    l2::FaultInjector tx;  // what this node sends goes through here
    bool unplugged = false;  // frames to and from it are lost
};

class Lan {
public:
    Time now{0};
    std::vector<Frame> wire;
    std::vector<std::unique_ptr<Node>> nodes;

    // A host at 10.0.0.x/24 (addr) with MAC 02:00:00:00:00:<mac_last>.
    Node& add(std::uint32_t addr, std::uint8_t mac_last, host::Config cfg = default_config(),
              l2::FaultConfig faults = {}, std::size_t mtu = 1514, std::size_t max_send_packet = 0);
    static host::Config default_config();
    // `h` (a host already on another Lan) joins this one with another
    // interface, 10.x.y.z/24 at `addr`: a router between the two. Drive the
    // two Lans together with run_lans_until.
    Node& attach(host::Host& h, std::uint32_t addr, std::uint8_t mac_last, std::size_t mtu = 1514);
    // The earliest frame delivery or host timer on this Lan.
    std::optional<Time> next_event() const;

    // Delivers what is due and runs what timers are due, at `now`.
    void step();
    // Moves virtual time to the next event (a frame's delivery, a host's
    // timer) not later than `until`, and handles it. False: nothing before then.
    bool advance(Time until);
    // Steps until `done()` holds or `limit` of virtual time has passed.
    bool run_until(const std::function<bool()>& done, host::Duration limit);
    void run_for(host::Duration d);

    // A frame injected as if `from` had sent it (crafted by the test).
    void inject(int from, base::Bytes frame);

    // Frames on the wire, from index `first` on, that match.
    std::vector<const Frame*> frames(const std::function<bool(const Frame&)>& match,
                                     std::size_t first = 0) const;

private:
    friend struct Node;
    void sent(Node& n, base::Bytes frame);
    std::vector<std::uint8_t> buf_;
};

// Runs several Lans on one clock (a host attached to two of them routes
// between them) until `done()` or `limit` of virtual time has passed.
bool run_lans_until(const std::vector<Lan*>& lans, const std::function<bool()>& done,
                    host::Duration limit);

// Small builders for the tests.
std::vector<std::uint8_t> bytes_of(const std::string& s);
base::Bytes span_of(const std::string& s);

// An Ethernet frame carrying one TCP segment (header `h`, options and all),
// from src_mac/src to dst_mac/dst, with valid checksums: for Lan::inject.
std::vector<std::uint8_t> tcp_frame(const l2::MacAddr& src_mac, const l2::MacAddr& dst_mac,
                                    std::uint32_t src, std::uint32_t dst, const tcp::Header& h,
                                    const std::string& payload = "");

// What the kernel's TSO makes of a super-packet (an Ethernet frame with
// IPv4 and TCP, the TCP checksum partial as l2::Device::send_gso has it:
// the pseudo-header's sum): frames of `gso_size` payload bytes (the last
// shorter), each with the headers and options of the first, its own
// sequence number, IP ID + 1 per piece, PSH and FIN on the last only,
// checksums computed. Empty when the frame is not a valid TCP packet, or
// its checksum field is not the pseudo-header's sum; when it is, finishing
// it (l2::finish_tcp_checksum) must give a frame that verifies.
std::vector<std::vector<std::uint8_t>> tso_segment(base::Bytes frame, std::uint16_t gso_size);

// A ping from a to b and its reply: both ARP caches then know each other.
void warm_arp(Lan& lan, Node& a, Node& b);

// Two hosts on one Lan, A (10.0.0.1, its wire faults `a_wire`, packets of
// up to `a_max_send` bytes with TSO, 0 for none) and B (10.0.0.2,
// `b_wire`), a connection from A:40000 to B:80, and `bytes` of patterned
// data A sends over it.
struct OneWayTransfer {
    static constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;
    Lan lan;
    Node* a = nullptr;
    Node* b = nullptr;
    host::SocketId c = 0, s = 0;
    std::vector<std::uint8_t> data, got;
    std::size_t sent = 0;

    OneWayTransfer(std::size_t bytes, l2::FaultConfig a_wire, l2::FaultConfig b_wire,
                   std::size_t a_max_send = 0);
    // Moves data from A to B for up to `d` of virtual time.
    void pump(host::Duration d);
};

}  // namespace simhost
