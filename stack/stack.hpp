// The socket-like API applications use (docs/design.md, rule 4): blocking,
// thread-safe calls that hand their work to the stack's one event loop
// thread and wait for its answer. No lock is held while a packet is built or
// sent; an application thread waits on a future the loop fulfils.
//
//   auto st = stack::Stack::open(opts);              // throws StackError
//   auto l = st->listen(0, 8080, 128);               // Result<Listener>
//   auto s = l.value.accept();                       // Result<Socket>
//   auto n = s.value.recv(buf);                      // 0 = end of stream
//   s.value.send(bytes); s.value.close();
//
// A Socket or Listener is a handle: moving it is cheap; destroying it without
// close() closes in the background (a connection still sends its FIN).
#pragma once
#include <functional>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <optional>
#include <thread>
#include <vector>

#include "base/bytes.hpp"
#include "ip/route.hpp"
#include "link/device.hpp"
#include "link/ethernet.hpp"
#include "host/counters.hpp"
#include "host/connections.hpp"
#include "base/error.hpp"
#include "stack/watch.hpp"
#include "tcp/connection.hpp"

namespace os {
class IngressGuard;
}

namespace stack {

using base::Err;
using base::Result;
using base::to_string;
using host::Counters;

class Core;
class Loop;

// One interface's device counters (l2::LinkCounters), by its name.
struct LinkReport {
    std::string name;
    l2::LinkCounters counters;
};

struct TcpReport {
    host::ConnectionList connections;
    std::optional<l2::FaultCounters> faults;  // none without a fault flag
    std::vector<LinkReport> links;            // one per interface
};

// SO_MARK on every packet we send in raw mode ("usta"); the firewall lets
// RSTs with this mark pass.
constexpr std::uint32_t kDefaultMark = 0x75737461;

// One interface of a stack that owns its addresses (packet and tap mode).
struct InterfaceOptions {
    std::string link;                   // "packet" or "tap"; unused when `device` is set
    std::string ifname;                 // packet: the interface to bind; tap: the name to create
    ip::InterfaceAddress addr;          // ours, e.g. 10.0.0.2/24
    std::optional<l2::MacAddr> mac;     // packet: the interface's; tap: a random one
    ip::InterfaceAddress tap_host;      // tap: the kernel side's address (0/0: none)
    std::unique_ptr<l2::Device> device; // handed in (tests): Ethernet or bare IPv4
};

// --route NET/LEN via GW.
struct RouteOption {
    std::uint32_t destination = 0;
    std::uint8_t prefix_len = 0;
    std::uint32_t gateway = 0;
};

struct StackOptions {
    std::string link = "raw";    // raw, packet, tap
    bool firewall = true;        // raw mode: install the nftables guard
    // Raw mode: super-segments to local addresses as frames on lo
    // (link/raw_ip, os/loopback_frames).
    bool loopback_gso = true;
    std::uint32_t mark = kDefaultMark;
    tcp::Config tcp;
    std::size_t rx_budget = 64;  // packets handled per wake-up, at most
    // One cumulative ACK per connection at the end of each wake-up instead
    // of one per two segments (tcp::Config::ack_per_batch; the loop ends
    // every batch with Host::end_of_batch). False: --ack-every-two.
    bool ack_per_batch = true;
    // A device handed in (tests; later packet/tap): the stack then owns
    // `address` itself and answers every stray segment with RST.
    std::unique_ptr<l2::Device> device;
    std::uint32_t address = 0;
    // Packet/tap mode: the interfaces (each with a connected route), and a
    // default gateway on one of their networks (0: none). The in-stack
    // loopback 127.0.0.1/8 is added to them.
    std::vector<InterfaceOptions> interfaces;
    std::uint32_t gateway = 0;
    std::vector<RouteOption> routes;  // each gateway on one of the interfaces' networks
    bool forward = false;             // RFC 1812: route between the interfaces
    // --pcap, --trace, faults...: wrappers around the device.
    WatchOptions watch;
};

// The stack could not start; what() is one line for the user.
struct StackError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using Millis = std::chrono::milliseconds;

struct Outbox;  // stack/outbox.hpp

class Socket {
public:
    Socket() = default;
    Socket(Socket&&) noexcept = default;
    Socket& operator=(Socket&&) noexcept;
    ~Socket();

    // Returns once every byte is queued for sending (not acknowledged): in
    // the socket's send buffer (stack/outbox.hpp), blocking only while that
    // is full. An error returned is the connection's, seen since the last
    // call (as a kernel socket's write() reports a reset late).
    Err send(base::Bytes data);
    // Blocks until some bytes arrive (returns how many), the peer's FIN has
    // been reached (returns 0), or the connection fails.
    Result<std::size_t> recv(base::MutBytes buf);
    // Half-close: FIN after what is queued (waits until the send buffer has
    // gone into the connection); recv() still works.
    Err shutdown_write();
    // Orderly close: FIN, then wait until both FINs are acknowledged
    // (TIME-WAIT or CLOSED); after `timeout` the connection is aborted (RST).
    // Unread received data makes it a reset (RFC 2525 2.17).
    Err close(Millis timeout = Millis(30000));
    // RST now (RFC 9293 3.10.5).
    void abort();

    bool valid() const { return core_ != nullptr; }
    const tcp::Tuple& tuple() const { return tuple_; }
    std::string peer() const;   // "A:P" of the remote end
    std::string local() const;  // "A:P" of our end

private:
    friend class Stack;
    friend class Listener;
    Socket(std::shared_ptr<Core> c, std::uint64_t id, tcp::Tuple t);
    void release();
    // Waits until the loop has taken every byte of the outbox, or `until`;
    // the outbox's error (None when emptied, TimedOut at `until`).
    Err flush(std::chrono::steady_clock::time_point until);
    std::shared_ptr<Core> core_;
    std::uint64_t id_ = 0;
    tcp::Tuple tuple_;
    std::shared_ptr<Outbox> out_;
};

class Listener {
public:
    Listener() = default;
    Listener(Listener&&) noexcept = default;
    Listener& operator=(Listener&&) noexcept;
    ~Listener();

    // Blocks until a connection has completed its handshake.
    Result<Socket> accept();
    // Stops listening; connections not yet accepted are reset.
    void close();
    std::uint32_t addr() const { return addr_; }
    std::uint16_t port() const { return port_; }

private:
    friend class Stack;
    Listener(std::shared_ptr<Core> c, std::uint64_t id, std::uint32_t a, std::uint16_t p)
        : core_(std::move(c)), id_(id), addr_(a), port_(p) {}
    std::shared_ptr<Core> core_;
    std::uint64_t id_ = 0;
    std::uint32_t addr_ = 0;
    std::uint16_t port_ = 0;
};

// What recv_from() received: who sent it and how many bytes were copied.
struct Datagram {
    std::uint32_t addr = 0;  // the sender; for an ICMP error, the host that reported it
    std::uint16_t port = 0;  // the sender's port; ping sockets: the sequence number
    std::size_t length = 0;  // bytes copied (a datagram longer than the buffer is cut)
    std::uint8_t ttl = 0;    // of the IPv4 packet that carried it
};

// A datagram socket: UDP (RFC 768), or an ICMP echo ("ping") socket whose
// local_port() is the echo identifier and whose `port` is the sequence
// number. Errors reported by ICMP about what it sent come back from
// recv_from() (RFC 1122 4.1.3.3): Refused for port unreachable, Unreachable
// for the other unreachable codes (and an ARP that got no answer), with the
// datagram's destination and port (or sequence) filled in.
class DatagramSocket {
public:
    DatagramSocket() = default;
    DatagramSocket(DatagramSocket&&) noexcept = default;
    DatagramSocket& operator=(DatagramSocket&&) noexcept;
    ~DatagramSocket();

    // Sends one datagram (fragmented if larger than the link MTU). Fails
    // with Unreachable when no route leads to `addr`.
    Err send_to(std::uint32_t addr, std::uint16_t port, base::Bytes data);
    // Blocks until a datagram (or an error about ours) arrives; TimedOut
    // after `timeout`.
    Result<Datagram> recv_from(base::MutBytes buf, Millis timeout = Millis(24 * 3600 * 1000));
    void close();

    bool valid() const { return core_ != nullptr; }
    std::uint16_t local_port() const { return port_; }

private:
    friend class Stack;
    DatagramSocket(std::shared_ptr<Core> c, std::uint64_t id, std::uint16_t p)
        : core_(std::move(c)), id_(id), port_(p) {}
    std::shared_ptr<Core> core_;
    std::uint64_t id_ = 0;
    std::uint16_t port_ = 0;
};

class Stack {
public:
    // Opens the device (raw: needs root), installs the firewall guard, starts
    // the loop thread. Throws StackError with one clear line.
    static std::unique_ptr<Stack> open(StackOptions opts);
    ~Stack();  // shutdown()
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    // addr 0 = every local address. Fails with AddrInUse when the port is
    // taken (another instance of ours, or a kernel socket).
    Result<Listener> listen(std::uint32_t addr, std::uint16_t port, int backlog = 128);
    // Active open. Fails with Refused, TimedOut (no answer within `timeout`),
    // Reset, or Unreachable (no route).
    Result<Socket> connect(std::uint32_t addr, std::uint16_t port, Millis timeout = Millis(10000));

    // A UDP socket on (addr, port); port 0 picks an ephemeral one. Packet and
    // tap mode only (Failed in raw mode, where the kernel owns UDP).
    Result<DatagramSocket> udp_open(std::uint32_t addr, std::uint16_t port);
    // An ICMP echo socket with an identifier of its own (any link mode but
    // raw), its echoes sent with IPv4 TTL `ttl`.
    Result<DatagramSocket> ping_open(std::uint8_t ttl = 64);
    // Our address toward `dst` (RFC 1122 3.3.4.3: the one of the interface
    // the route leaves by); nullopt if there is no route.
    std::optional<std::uint32_t> source_for(std::uint32_t dst) const;

    // Resets every connection, stops the loop, removes the firewall guard.
    // Idempotent and thread-safe (a signal-watching thread may call it);
    // blocked calls return Err::Shutdown.
    void shutdown();

    // The event-driven API (stack/events.hpp): runs fn on the loop thread.
    // run_on_loop() waits until it has run (never call it from the loop
    // thread); post_on_loop() does not. Both return false once the loop has
    // stopped, and fn does not run.
    bool run_on_loop(std::function<void(Loop&)> fn);
    bool post_on_loop(std::function<void(Loop&)> fn);

    Counters counters();
    // What --stats prints (app/stats.hpp): every live connection as `ss -ti`
    // shows it, the totals of those closed, and the fault injector's counts.
    TcpReport tcp_report();
    const std::string& firewall_table() const;  // "" when none
    // Logs, at info, what the stack set up around it (the firewall guard, or
    // that it is off): once the program is up, never on its error path.
    void announce();

private:
    Stack() = default;
    std::shared_ptr<Core> core_;
    std::thread loop_thread_;
    std::once_flag shutdown_once_;
    bool firewall_off_ = false;  // raw mode with --no-firewall
    std::shared_ptr<os::IngressGuard> ingress_;  // packet mode: the kernel's input kept off our address
    std::function<void()> finish_watch_;  // Watched::finish, after the loop stops
};

}  // namespace stack
