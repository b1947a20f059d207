// Which TCP ports this stack speaks on, and keeping them from anyone else.
//
// In raw mode the kernel owns the address, so a port is ours only if the
// kernel will not hand it to another program: we bind a kernel TCP socket to
// it (never listen()), which reserves it in the kernel's bind table, for its
// own connect() ephemeral choice too. A second instance of the server then
// gets EADDRINUSE: "port 8080 is already in use". For an ephemeral port we
// bind to port 0 and let the kernel choose from net.ipv4.ip_local_port_range,
// so we never collide with the kernel's own connections.
//
// When the stack owns the address (packet, tap, tests) there is no kernel to
// ask: ports are picked from the RFC 6335 dynamic range.
//
// Leases are reference-counted: a listener and each of its connections hold
// the listening port's lease, so the port stays ours until the last is gone.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <vector>

#include "base/error.hpp"

namespace os {

using base::Err;
using base::Result;

class Firewall;
class PortTable;

class PortLease {
public:
    ~PortLease();
    PortLease(const PortLease&) = delete;
    PortLease& operator=(const PortLease&) = delete;
    std::uint32_t addr() const { return addr_; }  // 0 = every local address
    std::uint16_t port() const { return port_; }

private:
    friend class PortTable;
    PortLease(std::shared_ptr<PortTable> t, std::uint32_t a, std::uint16_t p, int fd)
        : table_(std::move(t)), addr_(a), port_(p), kernel_fd_(fd) {}
    std::shared_ptr<PortTable> table_;
    std::uint32_t addr_;
    std::uint16_t port_;
    int kernel_fd_;  // the reserving kernel socket, or -1
};

class PortTable : public std::enable_shared_from_this<PortTable> {
public:
    // kernel_reserves: raw mode (see above). firewall may be null
    // (--no-firewall, or not raw mode).
    static std::shared_ptr<PortTable> create(bool kernel_reserves,
                                             std::shared_ptr<Firewall> firewall);

    // Reserves (addr, port) for us; port 0 picks an ephemeral port. In raw
    // mode with a firewall, returns only once the port is in its set.
    // Thread-safe; called from application threads (it may wait for nft).
    Result<std::shared_ptr<PortLease>> reserve(std::uint32_t addr, std::uint16_t port);

    // Whether segments to (addr, port) are ours to answer (RST included).
    bool owns(std::uint32_t addr, std::uint16_t port) const;

    // Called with every port held, now and each time the set changes (under
    // the table's lock, so in order, and before reserve() returns): raw mode
    // filters its receive socket in the kernel by it. Null stops the calls.
    using Watcher = std::function<void(std::span<const std::uint16_t>)>;
    void watch(Watcher w);

    // The stack is stopping and the firewall's table is about to be deleted
    // whole: from now on a released port stays in the firewall's sets and
    // keeps its kernel reservation until close_held(), instead of costing an
    // nft run of its own to leave sets that are going anyway. The
    // reservation still outlives the set entry, as in release().
    void hold_releases();
    // After the table is gone: closes the reservations held since
    // hold_releases(); a port released later is closed at once.
    void close_held();

    static constexpr std::uint16_t kEphemeralFirst = 49152;  // RFC 6335 6
    static constexpr std::uint16_t kEphemeralLast = 65535;

private:
    PortTable(bool kernel_reserves, std::shared_ptr<Firewall> fw)
        : kernel_(kernel_reserves), firewall_(std::move(fw)) {}
    friend class PortLease;
    void release(const PortLease& l);
    bool conflicts(std::uint32_t addr, std::uint16_t port) const;  // mu_ held
    void notify() const;                                           // mu_ held

    const bool kernel_;
    const std::shared_ptr<Firewall> firewall_;
    mutable std::mutex mu_;
    std::multimap<std::uint16_t, std::uint32_t> held_;  // port -> addr
    std::minstd_rand rng_{std::random_device{}()};
    Watcher watcher_;
    enum class Ending { No, Holding, Done };
    Ending ending_ = Ending::No;  // mu_ held
    std::vector<int> held_fds_;   // mu_ held: reservations kept by hold_releases()
};

}  // namespace os
