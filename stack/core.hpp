// The wiring between the sans-IO host and the world: the event loop (the one
// place that reads the clock), the devices attached to the host's
// interfaces, and the application requests parked until the host's state
// answers them. Everything below the "loop thread only" line is touched by
// the loop thread alone; the API (stack/api.cpp) reaches it by posting tasks.
//
// Internal to stack/: applications use stack/stack.hpp.
#pragma once
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "host/host.hpp"
#include "link/device.hpp"
#include "os/firewall.hpp"
#include "os/ports.hpp"
#include "stack/event_loop.hpp"
#include "stack/events.hpp"
#include "stack/outbox.hpp"
#include "stack/stack.hpp"

namespace stack {

using host::SocketId;
using os::Firewall;
using os::FirewallError;
using os::PortLease;
using os::PortTable;

// How the loop answers a blocked application thread.
template <class T>
using Reply = std::shared_ptr<std::promise<T>>;

// What connect() and accept() hand back: the connection's id and tuple.
struct Opened {
    SocketId id = 0;
    tcp::Tuple tuple;
};
struct DgramOpened {
    SocketId id = 0;
    std::uint16_t port = 0;  // UDP port or echo identifier
};

// A device as the host's FrameSink for its interface. A super-packet goes
// to send_gso as the host built it, its TCP checksum partial
// (link/gso_checksum.hpp): the device, or a wrapper that needs it whole,
// finishes it. One in pieces (l2::GsoParts) goes to send_gso_parts.
class DeviceSink final : public host::FrameSink {
public:
    explicit DeviceSink(std::unique_ptr<l2::Device> d) : dev(std::move(d)) {}
    int transmit(base::Bytes frame) override { return dev->send(frame); }
    int transmit_gso(base::Bytes frame, std::uint16_t gso_size) override {
        return dev->send_gso(frame, gso_size);
    }
    int transmit_gso_parts(const l2::GsoParts& parts) override { return dev->send_gso_parts(parts); }
    bool gso_to_local_now() const override { return dev->gso_to_local(); }
    std::unique_ptr<l2::Device> dev;
};

// An interface to attach: its device and what the host needs to know of it.
struct Attached {
    std::unique_ptr<l2::Device> device;
    host::InterfaceConfig config;
    bool default_route = false;  // a point-to-point link: every destination is beyond it
};

class Core {
public:
    // `routes_gateway`: packet/tap mode's default gateway (0: none).
    Core(std::vector<Attached> ifaces, std::uint32_t gateway, bool kernel_owns_addresses,
         std::shared_ptr<Firewall> fw, const StackOptions& opts, tcp::Observer* observer,
         std::shared_ptr<host::ForwardObserver> forward_trace = nullptr);
    ~Core();

    EventLoop loop;
    // Thread-safe parts, used by application threads before posting.
    const bool kernel_owns_addresses;  // raw mode
    std::shared_ptr<Firewall> firewall;
    std::shared_ptr<PortTable> ports;
    std::shared_ptr<PortTable> udp_ports;
    // Our address toward dst (RFC 1122 3.3.4.3); nullopt: no route. Not in
    // raw mode. The routes and interfaces never change once the loop runs,
    // so any thread may ask.
    std::optional<std::uint32_t> source_for(std::uint32_t dst) const { return host_.source_for(dst); }

    // ---- loop thread only ----
    void do_listen(std::uint32_t addr, std::uint16_t port, std::shared_ptr<PortLease> lease,
                   int backlog, Reply<Result<SocketId>> reply);
    void do_close_listener(SocketId id);
    void do_accept(SocketId listener, Reply<Result<Opened>> reply);
    void do_connect(tcp::Tuple t, std::shared_ptr<PortLease> lease, Millis timeout,
                    Reply<Result<Opened>> reply);
    // The outbox has bytes (Socket::send): take them as the ring has room.
    void do_drain(SocketId id, std::shared_ptr<Outbox> outbox);
    void do_recv(SocketId id, base::MutBytes buf, Reply<Result<std::size_t>> reply);
    void do_shutdown_write(SocketId id, Reply<Err> reply);
    void do_close(SocketId id, Millis timeout, Reply<Err> reply);
    void do_abort(SocketId id);
    void do_release(SocketId id);
    // ping: `port` is the TTL of its echoes.
    void do_dgram_open(bool ping, std::uint32_t addr, std::uint16_t port,
                       std::shared_ptr<PortLease> lease, Reply<Result<DgramOpened>> reply);
    void do_send_to(SocketId id, std::uint32_t addr, std::uint16_t port, base::Bytes data,
                    Reply<Err> reply);
    void do_recv_from(SocketId id, base::MutBytes buf, Reply<Result<Datagram>> reply);
    void do_cancel_recv(SocketId id, const Reply<Result<Datagram>>& reply);
    void do_dgram_close(SocketId id);
    void do_shutdown();
    Counters counters() const { return host_.counters(); }
    host::ConnectionList connection_list() const { return host_.connection_list(); }
    std::vector<LinkReport> link_report();
    const l2::FaultDevice* faults = nullptr;  // set before the loop starts; read on it
    // Runs an application's function with the loop-thread API, then settles.
    void run_app(const std::function<void(Loop&)>& fn);

private:
    friend class Loop;
    struct TcpWaiters {
        struct Recv {
            base::MutBytes buf;
            Reply<Result<std::size_t>> reply;
        };
        std::deque<Recv> recvs;
        // Socket::send()'s bytes, while some wait for room in the send ring.
        std::shared_ptr<Outbox> outbox;
        Reply<Result<Opened>> connect;
        std::vector<Reply<Err>> closes;
        bool empty() const { return recvs.empty() && !outbox && !connect && closes.empty(); }
        // Every request still waiting gets `e`, and none is left.
        void answer_all(Err e);
    };
    struct DgramRecv {
        base::MutBytes buf;
        Reply<Result<Datagram>> reply;
    };

    void on_readable(int ifindex);
    void on_timer();
    // After anything reached the host: answer what its changes allow, then
    // arm the timer for the next deadline.
    void settle();
    void serve(SocketId id);
    bool drain(SocketId id, Outbox& o, const TcpStatus& st, tcp::Time now);
    void serve_tcp(SocketId id, TcpWaiters& w);
    void serve_accepts(SocketId id, std::deque<Reply<Result<Opened>>>& q);
    void serve_dgram(SocketId id, std::deque<DgramRecv>& q);
    void rearm();

    std::vector<std::unique_ptr<DeviceSink>> devices_;  // by interface index
    std::shared_ptr<host::ForwardObserver> forward_trace_;  // outlives host_
    host::Host host_;
    std::size_t rx_budget_;
    bool stopping_ = false;
    std::vector<std::uint8_t> rx_buf_;
    std::vector<SocketId> changed_;

    std::unordered_map<SocketId, TcpWaiters> tcp_;
    std::unordered_map<SocketId, std::deque<Reply<Result<Opened>>>> accepts_;
    std::unordered_map<SocketId, std::deque<DgramRecv>> dgram_;
    // The event-driven API (stack/events.hpp): its handle, and the
    // callbacks registered per socket.
    Loop api_{*this};
    std::unordered_map<SocketId, Events*> events_;
};

}  // namespace stack
