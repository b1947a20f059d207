// What the host keeps per interface and per socket. Internal to host/: the
// rest of the tree sees only host/host.hpp.
#pragma once
#include <deque>
#include <memory>
#include <optional>

#include "host/host.hpp"

namespace host {

// Bytes in front of every packet we build, for the link header written in
// place when the frame goes out (RFC 894: 14 bytes of Ethernet II).
constexpr std::size_t kHeadroom = l2::kEthHeaderLen;
// A buffer for one whole IPv4 datagram with headroom and padding to spare.
constexpr std::size_t kBufferSize = kHeadroom + 65535 + 64;

struct Host::Interface {
    int index = 0;
    InterfaceConfig cfg;
    FrameSink* sink = nullptr;
    std::unique_ptr<l2::ArpCache> arp;  // Ethernet only

    bool ethernet() const { return cfg.framing == l2::Framing::Ethernet; }
    // The largest IPv4 packet the link carries.
    std::size_t ip_mtu() const { return ethernet() ? cfg.mtu - l2::kEthHeaderLen : cfg.mtu; }
    // The largest IPv4 packet one send takes: above ip_mtu() with TSO.
    std::size_t max_send() const { return std::max(cfg.max_send_packet, ip_mtu()); }
    // A TCP super-segment of `len` bytes goes to the device whole, for it to
    // cut (TSO, l2::Device::send_gso): longer than the link MTU, within what
    // one send takes, and not to the link's broadcast address.
    bool device_cuts(std::size_t len, const ip::Egress& e) const {
        return len > ip_mtu() && len <= max_send() && !e.link_broadcast;
    }
};

struct Host::Conn {
    // Who is responsible for the entry: the listener (half-open, or in the
    // accept queue), the application (it has the id), or nobody (released:
    // the entry lives until the connection reaches CLOSED).
    enum class Owner : std::uint8_t { Listener, App, Released };
    // What the application's deadline is for.
    enum class Deadline : std::uint8_t { None, Connect, Close, Orphan };

    SocketId id = 0;
    std::unique_ptr<tcp::Connection> conn;
    tcp::Tuple tuple;
    Hold hold;
    Owner owner = Owner::App;
    SocketId listener = 0;     // while owner == Listener
    bool established = false;  // has reached ESTABLISHED once
    bool write_shut = false;   // shutdown_write() or close() called
    bool detached = false;     // CLOSED: out of the demux and the timers
    bool ack_listed = false;   // in Host::acks_owed_
    tcp::State reported = tcp::State::Closed;  // the state take_changed() last told of
    Err app_error = Err::None; // set when an application deadline ended it
    Deadline deadline_kind = Deadline::None;
    std::optional<Time> app_deadline;
    std::optional<Time> armed;  // our key in Host::timers_
};

struct Host::Listen {
    SocketId id = 0;
    tcp::Listener l;
    Hold hold;
    // RFC 4987 3.3: when this listener last answered a SYN with a cookie.
    // ACKs are checked for cookies only within two periods of it (as Linux:
    // a listener that never overflowed accepts no cookie at all).
    std::optional<Time> cookie_sent_at;
    Listen(SocketId i, std::uint32_t addr, std::uint16_t port, std::size_t backlog, Hold h)
        : id(i), l(addr, port, backlog), hold(std::move(h)) {}
};

struct Host::Dgram {
    SocketId id = 0;
    bool ping = false;       // an ICMP echo socket (port = the identifier)
    std::uint32_t addr = 0;  // bound address (0 = any)
    std::uint16_t port = 0;  // UDP port, or the echo identifier
    std::uint8_t ttl = 64;   // RFC 1122 3.2.1.7: the TTL of what it sends
    Hold hold;
    std::deque<Datagram> queue;  // received, not yet read
    std::size_t queued_bytes = 0;
};

}  // namespace host
