// The state the event loop owns: every connection and listener, the demux
// tables, the timers, the counters. Everything below the "loop thread only"
// line is touched by the loop thread alone, so it needs no locks; the API
// (stack/api.cpp) reaches it only by posting tasks.
//
// Internal to stack/: applications use stack/stack.hpp.
#pragma once
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "ip/icmp_report.hpp"
#include "ip/icmp_responder.hpp"
#include "ip/reassembly.hpp"
#include "ip/route.hpp"
#include "link/device.hpp"
#include "stack/counters.hpp"
#include "base/error.hpp"
#include "stack/event_loop.hpp"
#include "os/firewall.hpp"
#include "stack/netif.hpp"
#include "os/ports.hpp"
#include "stack/stack.hpp"
#include "tcp/connection.hpp"
#include "tcp/isn.hpp"

namespace stack {

using os::Firewall;
using os::FirewallError;
using os::PortLease;
using os::PortTable;

// How the loop answers a blocked application thread.
template <class T>
using Reply = std::shared_ptr<std::promise<T>>;

// What connect() and accept() hand back: the connection's id and tuple.
struct Opened {
    std::uint64_t id = 0;
    tcp::Tuple tuple;
};

// One connection and the application requests parked on it.
struct ConnEntry {
    // Who is responsible for the entry: the listener (half-open or waiting in
    // the accept queue), the application (a Socket handle exists or a
    // connect() is waiting), or nobody (the handle is gone; the entry lives
    // until the connection reaches CLOSED).
    enum class Owner { Listener, App, Released };

    std::uint64_t id = 0;
    std::unique_ptr<tcp::Connection> conn;
    tcp::Tuple tuple;
    std::shared_ptr<PortLease> lease;  // keeps our port reserved
    Owner owner = Owner::App;
    std::uint64_t listener = 0;        // while owner == Listener
    bool established = false;          // has reached ESTABLISHED once
    bool write_shut = false;           // shutdown_write() or close() called
    bool detached = false;             // CLOSED: out of the demux and timers

    struct Recv {
        base::MutBytes buf;
        Reply<Result<std::size_t>> reply;
    };
    struct Send {
        base::Bytes data;
        std::size_t done = 0;
        Reply<Err> reply;
    };
    std::deque<Recv> recvs;
    std::deque<Send> sends;
    Reply<Result<Opened>> connect_reply;
    std::vector<Reply<Err>> close_replies;
    std::optional<tcp::Time> app_deadline;  // connect or close timeout
    std::optional<tcp::Time> armed;         // our key in Core::timers_
};

struct ListenerEntry {
    std::uint64_t id = 0;
    std::uint32_t addr = 0;  // 0 = any
    std::uint16_t port = 0;
    std::shared_ptr<PortLease> lease;
    // The backlog ("No real listen backlog"): at most syn_backlog
    // half-open connections (SYN-RECEIVED) and `backlog` completed ones
    // waiting for accept(). A SYN that finds either full is dropped; the
    // client's SYN retransmission tries again later, as with Linux.
    std::size_t backlog = 128;
    std::size_t syn_backlog = 128;
    std::size_t half_open = 0;
    std::deque<std::uint64_t> ready;  // the accept queue: connection ids
    std::deque<Reply<Result<Opened>>> accepts;
};

struct DgramOpened {
    std::uint64_t id = 0;
    std::uint16_t port = 0;  // UDP port or echo identifier
};

// A UDP or ICMP echo socket and what waits on it (stack/datagram.cpp).
struct DgramEntry {
    enum class Kind { Udp, Ping };
    std::uint64_t id = 0;
    Kind kind = Kind::Udp;
    std::uint32_t addr = 0;  // bound address (0 = any)
    std::uint16_t port = 0;  // UDP port, or the echo identifier
    std::shared_ptr<PortLease> lease;

    struct Item {
        Datagram meta;
        std::vector<std::uint8_t> data;
        Err err = Err::None;  // an ICMP error about what we sent
    };
    std::deque<Item> queue;  // received, not yet read
    std::size_t queued_bytes = 0;
    struct Recv {
        base::MutBytes buf;
        Reply<Result<Datagram>> reply;
    };
    std::deque<Recv> recvs;
};

class Core final : public tcp::SegmentSink {
public:
    // `netifs` and `routes` never change after construction, so application
    // threads may read them (source_for). Raw mode: one bare-IPv4 netif and
    // no routes (the kernel routes).
    Core(std::vector<std::unique_ptr<Netif>> netifs, ip::RouteTable routes,
         bool kernel_owns_addresses, std::shared_ptr<Firewall> fw, const StackOptions& opts);
    ~Core() override;

    EventLoop loop;
    // Thread-safe parts, used by application threads before posting.
    const bool kernel_owns_addresses;  // raw mode
    std::shared_ptr<Firewall> firewall;
    std::shared_ptr<PortTable> ports;
    std::shared_ptr<PortTable> udp_ports;
    // Our address toward dst (RFC 1122 3.3.4.3); nullopt: no route. Not in raw mode.
    std::optional<std::uint32_t> source_for(std::uint32_t dst) const;
    // The MSS for a connection leaving by the route to dst: the link MTU
    // less 40 (RFC 9293 3.7.1), at most the configured one.
    std::uint16_t mss_for(std::uint32_t dst) const;
    // Given to every connection (the --trace Tracer), or null. Set before run().
    tcp::Observer* observer = nullptr;

    // ---- loop thread only ----
    void on_timer();
    void do_listen(std::uint32_t addr, std::uint16_t port, std::shared_ptr<PortLease> lease,
                   int backlog, Reply<Result<std::uint64_t>> reply);
    void do_close_listener(std::uint64_t id);
    void do_accept(std::uint64_t listener, Reply<Result<Opened>> reply);
    void do_connect(tcp::Tuple t, std::shared_ptr<PortLease> lease, Millis timeout,
                    Reply<Result<Opened>> reply);
    void do_send(std::uint64_t id, base::Bytes data, Reply<Err> reply);
    void do_recv(std::uint64_t id, base::MutBytes buf, Reply<Result<std::size_t>> reply);
    void do_shutdown_write(std::uint64_t id, Reply<Err> reply);
    void do_close(std::uint64_t id, Millis timeout, Reply<Err> reply);
    void do_abort(std::uint64_t id);
    void do_release(std::uint64_t id);
    void do_shutdown();
    Counters counters() const;

    // datagram.cpp
    void do_dgram_open(DgramEntry::Kind kind, std::uint32_t addr, std::uint16_t port,
                       std::shared_ptr<PortLease> lease, Reply<Result<DgramOpened>> reply);
    void do_send_to(std::uint64_t id, std::uint32_t addr, std::uint16_t port, base::Bytes data,
                    Reply<Err> reply);
    void do_recv_from(std::uint64_t id, base::MutBytes buf, Reply<Result<Datagram>> reply);
    void do_cancel_recv(std::uint64_t id, const Reply<Result<Datagram>>& reply);
    void do_dgram_close(std::uint64_t id);

    // Host mode, called by ArpPort (host_out.cpp).
    void send_frame(Netif& nif, const l2::MacAddr& dst, std::uint16_t type, base::Bytes payload);
    void arp_unresolved(base::Bytes packet);
    Netif& netif(int index) { return *netifs_[static_cast<std::size_t>(index)]; }

    // tcp::SegmentSink: builds the IPv4 packet around the segment and sends it.
    void send_segment(const tcp::Tuple& t, const tcp::Header& h, base::Bytes p1,
                      base::Bytes p2) override;

private:
    // ingress.cpp
    void on_readable(Netif& nif);
    void handle_packet(Netif& nif, base::Bytes packet, bool checksum_trusted,
                       bool link_broadcast = false);
    void handle_tcp(const ip::Ipv4View& ipv, bool checksum_trusted);
    void to_listener(ListenerEntry& l, const tcp::Tuple& t, const tcp::SegmentView& seg);
    void reply_reset(const tcp::Tuple& t, const tcp::SegmentView& seg);
    ListenerEntry* find_listener(std::uint32_t addr, std::uint16_t port);

    // host_in.cpp: the stack as a whole host
    void handle_frame(Netif& nif, base::Bytes frame, bool checksum_trusted);
    bool is_ours(const Netif& nif, std::uint32_t dst) const;
    bool is_broadcast(const Netif& nif, std::uint32_t dst) const;
    void handle_icmp(const ip::Ipv4View& ipv, bool broadcast);
    void handle_udp(Netif& nif, const ip::Ipv4View& ipv, base::Bytes packet, bool checksum_trusted,
                    bool link_broadcast);
    void deliver_icmp_error(const ip::IcmpErrorReport& r);
    // Sends an ICMP error about `offending` (as received on nif), if RFC 1122
    // 3.2.2 allows one.
    void send_icmp_error(const Netif* nif, std::uint8_t type, std::uint8_t code,
                         base::Bytes offending, bool link_broadcast);

    // host_out.cpp: routes, fragments, resolves and sends a whole IPv4
    // packet; 0 or an errno (ENETUNREACH, EMSGSIZE, ENOBUFS...).
    int send_ip(base::Bytes packet);
    int send_on(Netif& nif, std::uint32_t next_hop, base::Bytes packet);
    std::optional<tcp::Time> host_deadline() const;
    void host_timers(tcp::Time now);

    // datagram.cpp
    DgramEntry* find_dgram(DgramEntry::Kind kind, std::uint32_t addr, std::uint16_t port);
    void deliver_dgram(DgramEntry& d, DgramEntry::Item item);

    // core.cpp
    ConnEntry* find(std::uint64_t id);
    ConnEntry& add(std::unique_ptr<tcp::Connection> c, std::shared_ptr<PortLease> lease);
    // After anything touched a connection: answer the parked requests, move
    // it through the listener's queues, re-arm its timer, free it when done.
    void settle(ConnEntry& e);
    void serve_recvs(ConnEntry& e);
    void serve_sends(ConnEntry& e);
    void detach(ConnEntry& e);
    void destroy(ConnEntry& e);
    void schedule(ConnEntry& e);
    void rearm();
    Err error_of(const ConnEntry& e) const;

    std::vector<std::unique_ptr<Netif>> netifs_;
    ip::RouteTable routes_;
    ip::Reassembler reassembler_;
    tcp::Config cfg_;
    std::size_t rx_budget_;
    tcp::IsnGenerator isn_;
    Counters counters_;
    std::uint64_t next_id_ = 1;
    std::uint16_t next_ip_id_ = 1;
    bool stopping_ = false;

    std::unordered_map<std::uint64_t, std::unique_ptr<ConnEntry>> conns_;
    std::unordered_map<tcp::Tuple, std::uint64_t, tcp::TupleHash> by_tuple_;
    std::map<std::uint64_t, ListenerEntry> listeners_;
    // Deadlines of every connection (protocol timer or application timeout),
    // earliest first; the timerfd is armed for the first.
    std::set<std::pair<tcp::Time, std::uint64_t>> timers_;

    std::unordered_map<std::uint64_t, std::unique_ptr<DgramEntry>> dgrams_;
    std::uint16_t next_ping_id_ = 0;

    std::vector<std::uint8_t> rx_buf_;
    std::vector<std::uint8_t> tx_buf_;
    std::vector<std::uint8_t> icmp_buf_;   // ICMP replies and errors, UDP datagrams
    std::vector<std::uint8_t> frag_buf_;   // one fragment at a time
    std::vector<std::uint8_t> frame_buf_;  // one Ethernet frame
};

}  // namespace stack
