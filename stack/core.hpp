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

#include "link/device.hpp"
#include "stack/counters.hpp"
#include "stack/error.hpp"
#include "stack/event_loop.hpp"
#include "stack/firewall.hpp"
#include "stack/ports.hpp"
#include "stack/stack.hpp"
#include "tcp/connection.hpp"
#include "tcp/isn.hpp"

namespace stack {

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
    // The backlog (PITFALLS: "No real listen backlog"): at most syn_backlog
    // half-open connections (SYN-RECEIVED) and `backlog` completed ones
    // waiting for accept(). A SYN that finds either full is dropped; the
    // client's SYN retransmission tries again later, as with Linux.
    std::size_t backlog = 128;
    std::size_t syn_backlog = 128;
    std::size_t half_open = 0;
    std::deque<std::uint64_t> ready;  // the accept queue: connection ids
    std::deque<Reply<Result<Opened>>> accepts;
};

class Core final : public tcp::SegmentSink {
public:
    Core(std::unique_ptr<l2::Device> dev, bool kernel_owns_addresses, std::uint32_t address,
         std::shared_ptr<Firewall> fw, const StackOptions& opts);
    ~Core() override;

    EventLoop loop;
    // Thread-safe parts, used by application threads before posting.
    const bool kernel_owns_addresses;  // raw mode
    const std::uint32_t address;       // ours, when we own it
    std::shared_ptr<Firewall> firewall;
    std::shared_ptr<PortTable> ports;
    // Given to every connection (the --trace Tracer), or null. Set before run().
    tcp::Observer* observer = nullptr;

    // ---- loop thread only ----
    void on_readable();
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
    Counters counters() const { return counters_; }

    // tcp::SegmentSink: builds the IPv4 packet around the segment and sends it.
    void send_segment(const tcp::Tuple& t, const tcp::Header& h, base::Bytes p1,
                      base::Bytes p2) override;

private:
    // ingress.cpp
    void handle_packet(base::Bytes packet, bool checksum_trusted);
    void to_listener(ListenerEntry& l, const tcp::Tuple& t, const tcp::SegmentView& seg);
    void reply_reset(const tcp::Tuple& t, const tcp::SegmentView& seg);
    ListenerEntry* find_listener(std::uint32_t addr, std::uint16_t port);

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

    std::unique_ptr<l2::Device> dev_;
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

    std::vector<std::uint8_t> rx_buf_;
    std::vector<std::uint8_t> tx_buf_;
};

}  // namespace stack
