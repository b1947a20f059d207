// Keeping the kernel's own TCP out of the way in raw mode (docs/design.md,
// "How a packet flows", its raw-mode part).
//
// The kernel owns the address, so it also receives every segment sent to our
// ports. It has no socket there (only a bound, non-listening one that
// reserves the port), so RFC 9293 3.10.7.1 makes it answer with RST, which
// would kill our connections. We install an nftables table of our own:
//
//   table inet ustack_<pid> {
//     set ports { type inet_service; }            # the ports we speak TCP on
//     set any { type inet_service; }              # those held on every address
//     set ours { type ipv4_addr . inet_service; } # those held on one address
//     chain output { type filter hook output priority 0; policy accept;
//       meta mark != MARK tcp flags & rst == rst tcp sport @ports drop }
//     chain prerouting { type filter hook prerouting priority 0; policy accept;
//       tcp dport @any fib daddr type local meta pkttype set broadcast accept
//       tcp dport @ports ip daddr . tcp dport @ours meta pkttype set broadcast } }
//
// The prerouting rule keeps the kernel's TCP from seeing our segments at
// all, so it spends nothing on them (no socket lookup, no RST built and
// routed only for the output rule to drop it). Raw sockets get a copy of a
// local datagram in ip_local_deliver_finish before its transport handler;
// an input-hook drop would come before both and hide it from us too. A
// datagram marked as a link-layer broadcast still reaches the raw sockets,
// and the kernel's tcp_v4_rcv discards, silently, any segment that was not
// sent to this host's link address: as RFC 1122 3.3.6 wants of a unicast
// datagram received as a link-layer broadcast, it is not answered. `fib
// daddr type local` leaves forwarded traffic alone. The rule is not
// installed where drop_unicast_in_l2_multicast is on (that sysctl drops
// such a datagram before any socket sees it); the output rule stays as the
// safety net (a reassembled fragment, a segment that came before a port
// entered the set).
//
// Our packets carry SO_MARK = MARK, so our own RSTs still go out. The table
// is removed on exit (also on SIGINT/SIGTERM, see stack/signals.hpp); a table
// left by a killed run (its pid is gone) is removed at the next start. The
// name carries the pid so that a server and a client on one machine each
// have their own.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace os {

struct FirewallError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Firewall {
public:
    // Removes stale tables and installs ours. Throws FirewallError.
    static std::unique_ptr<Firewall> install(std::uint32_t mark);
    // Logs at info, in one line, what was installed and why. A program calls
    // it once it is up; until then install and removal are logged at debug
    // only, so a program that fails to start prints just its error.
    void announce();
    ~Firewall();  // remove()
    Firewall(const Firewall&) = delete;
    Firewall& operator=(const Firewall&) = delete;

    // Puts `port` (held on `addr`, 0 for every address) into the sets;
    // returns when nft has done it, so the caller can send its first
    // segment. Counted: a port added twice needs two releases. Throws
    // FirewallError if nft fails.
    void add_port(std::uint32_t addr, std::uint16_t port);
    // Takes `port` out of the sets without blocking the caller (the event
    // loop); `then` runs once it is out (the port's kernel reservation is
    // closed there, so the port cannot be reused while still in a set).
    void release_port(std::uint32_t addr, std::uint16_t port, std::function<void()> then);
    // Whether the prerouting chain is installed (see above).
    bool early_drop() const { return early_; }
    // Deletes the table now (idempotent; safe from a signal-watching thread).
    void remove();
    const std::string& table() const { return table_; }

    // Deletes every `inet ustack_<pid>` table whose process is gone. Returns
    // how many.
    static int remove_stale_tables();

private:
    Firewall(std::string table, std::uint32_t mark);
    void worker();

    struct Release {
        std::uint32_t addr;
        std::uint16_t port;
        bool port_set, pair_set;  // which sets it leaves
        std::function<void()> then;
    };

    const std::string table_;
    const std::uint32_t mark_;
    bool announced_ = false;
    std::mutex remove_mu_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool early_ = false;
    std::map<std::uint16_t, int> refs_;  // port -> users (set ports)
    std::map<std::pair<std::uint32_t, std::uint16_t>, int> pair_refs_;  // (addr, port) -> users (set any or ours)
    std::deque<Release> releases_;
    bool installed_ = false;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace os
