// The socket-like API applications use (DESIGN.md rule 3): blocking,
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
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "base/bytes.hpp"
#include "link/device.hpp"
#include "stack/counters.hpp"
#include "stack/error.hpp"
#include "stack/watch.hpp"
#include "tcp/connection.hpp"

namespace stack {

class Core;

// SO_MARK on every packet we send in raw mode ("usta"); the firewall lets
// RSTs with this mark pass.
constexpr std::uint32_t kDefaultMark = 0x75737461;

struct StackOptions {
    std::string link = "raw";    // only "raw" opens a device by itself today
    bool firewall = true;        // raw mode: install the nftables guard
    std::uint32_t mark = kDefaultMark;
    tcp::Config tcp;
    std::size_t rx_budget = 64;  // packets handled per wake-up, at most
    // A device handed in (tests; later packet/tap): the stack then owns
    // `address` itself and answers every stray segment with RST.
    std::unique_ptr<l2::Device> device;
    std::uint32_t address = 0;
    // --pcap, --trace, faults... (issue 6): wrappers around the device.
    WatchOptions watch;
};

// The stack could not start; what() is one line for the user.
struct StackError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using Millis = std::chrono::milliseconds;

class Socket {
public:
    Socket() = default;
    Socket(Socket&&) noexcept = default;
    Socket& operator=(Socket&&) noexcept;
    ~Socket();

    // Blocks until every byte is queued for sending (not until acknowledged).
    Err send(base::Bytes data);
    // Blocks until some bytes arrive (returns how many), the peer's FIN has
    // been reached (returns 0), or the connection fails.
    Result<std::size_t> recv(base::MutBytes buf);
    // Half-close: FIN after what is queued; recv() still works.
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
    Socket(std::shared_ptr<Core> c, std::uint64_t id, tcp::Tuple t)
        : core_(std::move(c)), id_(id), tuple_(t) {}
    void release();
    std::shared_ptr<Core> core_;
    std::uint64_t id_ = 0;
    tcp::Tuple tuple_;
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

    // Resets every connection, stops the loop, removes the firewall guard.
    // Idempotent and thread-safe (a signal-watching thread may call it);
    // blocked calls return Err::Shutdown.
    void shutdown();

    Counters counters();
    const std::string& firewall_table() const;  // "" when none

private:
    Stack() = default;
    std::shared_ptr<Core> core_;
    std::thread loop_thread_;
    std::once_flag shutdown_once_;
};

}  // namespace stack
