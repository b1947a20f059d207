// The host: everything a TCP/IP host does around its TCP connections, as one
// sans-IO object (like tcp::Connection): interfaces and their ARP caches,
// routes, IPv4 in and out (checks, reassembly, fragmentation), ICMP (echo,
// errors both ways), UDP and ping sockets, the TCP listeners and the
// connections. It reads no clock, makes no system call and starts no thread:
//
//   Host h(cfg);
//   int i = h.add_interface({...}, sink);        // frames leave through sink.transmit()
//   h.on_frame(i, frame, trusted, now);         // every frame (or raw-mode packet) in
//   h.poll(now);                                // when now >= *h.next_deadline()
//   auto id = h.connect(tuple, hold, now, 10s); // the application side, by socket id
//   h.take_changed(ids);                        // whose state changed: wake their waiters
//
// The event loop in stack/ drives it with real devices and the monotonic
// clock; the sim tests drive whole hosts on a simulated link with a virtual
// clock, deterministically.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.hpp"
#include "host/connections.hpp"
#include "host/counters.hpp"
#include "ip/host_rules.hpp"
#include "ip/icmp_report.hpp"
#include "ip/rate_limit.hpp"
#include "ip/reassembly.hpp"
#include "ip/route.hpp"
#include "link/arp_cache.hpp"
#include "link/device.hpp"
#include "link/ethernet.hpp"
#include "tcp/connection.hpp"
#include "tcp/isn.hpp"
#include "tcp/listener.hpp"
#include "tcp/syn_cookie.hpp"

namespace host {

using base::Err;
using base::Result;
using tcp::Duration;
using tcp::Time;
using SocketId = std::uint64_t;
// Whatever the caller wants kept alive as long as a socket uses its port
// (the kernel port reservation in raw mode); released when the socket ends.
using Hold = std::shared_ptr<const void>;

// Where one interface's frames go: an Ethernet frame, or a bare IPv4 packet
// on a link without framing (raw socket, loopback). Returns 0 or an errno
// value; a frame the device refused is a lost packet.
class FrameSink {
public:
    virtual ~FrameSink() = default;
    virtual int transmit(base::Bytes frame) = 0;
    // A TCP super-packet (the interface's max_send_packet is above its MTU)
    // for the device to cut into pieces of `gso_size` payload bytes (TSO,
    // l2::Device::send_gso), longer than the MTU, its TCP checksum partial
    // (link/gso_checksum.hpp): a sink whose interface takes super-packets
    // overrides this and finishes the sum or has its device do it.
    virtual int transmit_gso(base::Bytes frame, std::uint16_t /*gso_size*/) { return transmit(frame); }
    // The same super-packet in pieces (l2::GsoParts: the Ethernet, IPv4 and
    // TCP headers, then the send ring's two payload spans, valid only
    // during the call), so that the host copies no payload. This default
    // joins them and calls transmit_gso(); a sink whose device writes the
    // pieces out as they are overrides it (l2::Device::send_gso_parts).
    virtual int transmit_gso_parts(const l2::GsoParts& parts) {
        l2::join_parts(parts, joined_);
        return transmit_gso(joined_, parts.gso_size);
    }
    // Raw mode: whether the way to the kernel's own addresses that the
    // interface had at start (InterfaceConfig::gso_to_local) is still open
    // now (l2::Device::gso_to_local).
    virtual bool gso_to_local_now() const { return true; }

private:
    std::vector<std::uint8_t> joined_;
};

// Raw mode: the kernel's route toward a destination.
struct RouteInfo {
    std::size_t mtu = 0;
    bool local = false;  // to one of the kernel's own addresses: out through lo
};

struct InterfaceConfig {
    std::string name;
    l2::Framing framing = l2::Framing::Ethernet;
    std::size_t mtu = 1514;        // the largest frame (Ethernet: with its 14-byte header)
    ip::InterfaceAddress addr;     // ours on this link; raw mode: 0/0 (the kernel's)
    l2::MacAddr mac;               // Ethernet only
    bool loopback = false;         // 127.0.0.1/8
    // The device hands over the kernel's GSO super-packets (TSO/GRO):
    // packets longer than `mtu` are taken from it, from no other.
    bool gso = false;
    // The largest IPv4 packet one send takes (l2::Device::max_send_packet):
    // above the MTU, TCP on this interface sends super-segments of several
    // MSS that the device cuts up (TSO). 0: the MTU.
    std::size_t max_send_packet = 0;
    // Raw mode (l2::Device::gso_to_local): super-segments to the kernel's
    // own addresses are taken (lo cuts them up), to no other.
    bool gso_to_local = false;
};

// RFC 1812 5: what became of one datagram the host, as a router, was asked
// to forward (for the trace; the counters count them all the same).
struct ForwardEvent {
    enum class What : std::uint8_t {
        Forwarded,        // out of `out` with TTL `ttl` (already decremented)
        Fragmented,       // forwarded as fragments to fit `mtu` (RFC 1812 5.2.6)
        TimeExceeded,     // TTL ran out: ICMP Time Exceeded (RFC 1812 5.3.1)
        NoRoute,          // ICMP Network Unreachable (RFC 1812 5.2.7.1)
        FragNeeded,       // DF and larger than `mtu`: ICMP Fragmentation Needed (RFC 1191 4)
        HostUnreachable,  // the next hop never answered ARP (RFC 1812 5.2.7.1)
        NotForwarded,     // a martian or broadcast (RFC 1812 5.3.4, 5.3.5, 5.3.7): `why`
    };
    What what = What::Forwarded;
    std::string_view in, out;  // interface names ("" when not known)
    std::uint32_t src = 0, dst = 0;
    std::uint8_t ttl = 0;      // as it leaves (Forwarded), else as it came
    std::size_t length = 0;    // the datagram's total length
    std::size_t mtu = 0;       // Fragmented, FragNeeded: the next link's
    std::string_view why;      // NotForwarded
};
// One line for a trace: "forward r1 -> r2 ttl 63, 84 bytes".
std::string describe(const ForwardEvent& e);

class ForwardObserver {
public:
    virtual ~ForwardObserver() = default;
    virtual void on_forward(const ForwardEvent& e, Time now) = 0;
};

struct Config {
    tcp::Config tcp;
    // RFC 1812: route IPv4 between the interfaces (a router). Off: a
    // datagram to an address not ours is dropped and counted, as RFC 1122
    // 3.3.4.2 asks of a host.
    bool forward = false;
    ForwardObserver* forward_observer = nullptr;  // the trace's "forward" lines
    // Raw mode: the kernel owns the address, reassembles, routes and hands
    // us only TCP. Everything leaves by interface 0, and we answer only for
    // ports we hold (the kernel answers for the rest).
    bool kernel_owns_addresses = false;
    // Raw mode: what the kernel's route toward a destination says (it
    // routes, so it knows the interface), asked when a connection opens and
    // for each super-segment; TCP's MSS follows its MTU (RFC 9293 3.7.1).
    // Unset, or nullopt: the interface's MTU, and no super-segments.
    std::function<std::optional<RouteInfo>(std::uint32_t dst, Time now)> kernel_route;
    std::array<std::uint64_t, 2> isn_key{};  // RFC 6528's secret: the caller draws it
    // RFC 4987 3.3: answer SYNs that find a listener's SYN queue full with a
    // cookie (secrets derived from isn_key) instead of dropping them.
    bool syn_cookies = true;
    tcp::Observer* observer = nullptr;       // given to every connection (the trace)
    l2::ArpConfig arp;
    ip::ReassemblyLimits reassembly;
    // RFC 1191 6.3: a lowered path MTU estimate is forgotten after this
    // long, so the path is tried at the full size again ("10 minutes").
    Duration pmtu_timeout = std::chrono::minutes(10);
};

// A connection as the application side sees it.
struct TcpStatus {
    tcp::State state = tcp::State::Closed;
    bool established = false;  // has reached ESTABLISHED once
    std::size_t readable = 0;  // bytes recv() returns now
    std::size_t writable = 0;  // bytes send() takes now
    bool eof = false;          // the peer's FIN, every byte before it read
    Err error = Err::None;     // why it ended, once it has (Closed: orderly)
};

struct Accepted {
    SocketId id = 0;  // 0: nothing to accept yet
    tcp::Tuple tuple;
};

// One received datagram (UDP, or a ping socket's echo reply), or an ICMP
// error about one we sent (RFC 1122 4.1.3.3).
struct Datagram {
    std::uint32_t addr = 0;  // the sender; for an ICMP error, the host that reported it
    std::uint16_t port = 0;  // the sender's port; ping sockets: the sequence number
    std::uint8_t ttl = 0;    // of the IPv4 packet that carried it
    Err err = Err::None;     // Refused (port unreachable) or Unreachable
    std::vector<std::uint8_t> data;
};

class Host final : private tcp::SegmentSink, private l2::ArpSink {
public:
    explicit Host(Config cfg);
    ~Host() override;
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    // ---- interfaces and routes (before traffic) ----
    // Adds an interface with a connected route to its network (unless raw
    // mode) and returns its index; an Ethernet one announces its address
    // (RFC 5227 2.3) through `sink` at once. `sink` must outlive the host.
    int add_interface(const InterfaceConfig& ic, FrameSink& sink);
    // 0.0.0.0/0 via `gateway`; false if no interface's network holds it
    // (RFC 1122 3.3.1.1).
    bool set_default_gateway(std::uint32_t gateway);
    void add_route(std::uint32_t dst, std::uint8_t prefix_len, std::uint32_t gateway, int ifindex);
    // dst/prefix_len via `gateway`, on the interface whose network holds it;
    // false if none does (RFC 1122 3.3.1.1).
    bool add_route_via(std::uint32_t dst, std::uint8_t prefix_len, std::uint32_t gateway);

    // ---- the wire and the clock ----
    // One frame from interface `ifindex` (a bare IPv4 packet on a link
    // without framing). `checksum_trusted`: the kernel never filled in the
    // transport checksum (loopback, checksum offload), so it is not checked.
    void on_frame(int ifindex, base::Bytes frame, bool checksum_trusted, Time now);
    // Runs every timer that is due at `now`.
    void poll(Time now);
    std::optional<Time> next_deadline() const;
    // The end of a receive batch (the loop calls it after a wake-up's frames
    // and the application's turn, before the devices flush): each
    // connection that owes an ACK (tcp::Config::ack_per_batch) sends one
    // cumulative ACK now. Returns how many went out.
    std::size_t end_of_batch(Time now);

    // The sockets (connections, listeners, datagram sockets) whose state
    // changed since the last call, each once: readable, writable,
    // established, closed, a connection to accept, a datagram to read.
    void take_changed(std::vector<SocketId>& out);
    bool has_changes() const { return !changed_.empty(); }

    // ---- TCP ----
    // addr 0: every local address. AddrInUse if another listener has it.
    Result<SocketId> listen(std::uint32_t addr, std::uint16_t port, int backlog, Hold hold);
    // Stops listening; connections not yet accepted are reset (as Linux).
    void close_listener(SocketId id, Time now);
    // Closed: no such listener.
    Result<Accepted> accept(SocketId listener);
    // Active open; `timeout` 0: no deadline but the SYN retries'. A
    // connection that fails ends with status().error set.
    Result<SocketId> connect(const tcp::Tuple& t, Hold hold, Time now, Duration timeout);
    std::size_t send(SocketId id, base::Bytes data, Time now);  // bytes taken
    std::size_t recv(SocketId id, base::MutBytes buf, Time now);
    // Zero-copy (tcp::Connection's recv_view/consume, send_room/commit):
    // the readable bytes in place, and room in the send buffer to write
    // into, each valid as tcp::Connection says: until the next call that
    // moves that buffer (consume or recv for the first; send_room, send or
    // commit for the second), or the next frame, timer or poll. Empty for
    // an unknown id, and the room also once the write side is shut.
    base::SplitBytes recv_view(SocketId id) const;
    std::size_t consume(SocketId id, std::size_t n, Time now);  // bytes freed
    base::SplitMutBytes send_room(SocketId id, std::size_t max);
    std::size_t commit(SocketId id, std::size_t n, Time now);  // bytes queued
    void shutdown_write(SocketId id, Time now);
    // FIN after the queued data; after `timeout` without both FINs
    // acknowledged the connection is reset and its error is TimedOut.
    void close(SocketId id, Time now, Duration timeout);
    void abort(SocketId id, Time now);  // RST now (RFC 9293 3.10.5)
    // The application is done with the id: the connection closes in the
    // background (reset after a minute if it never finishes) and its state
    // is freed once CLOSED.
    void release(SocketId id, Time now);
    std::optional<TcpStatus> status(SocketId id) const;
    bool write_shut(SocketId id) const;

    // ---- datagram sockets (not in raw mode: the kernel owns UDP there) ----
    Result<SocketId> udp_open(std::uint32_t addr, std::uint16_t port, Hold hold);
    // An ICMP echo socket with an identifier of its own, returned as `port`;
    // its echoes leave with IPv4 TTL `ttl` (ping -t).
    Result<std::pair<SocketId, std::uint16_t>> ping_open(Time now, std::uint8_t ttl = 64);
    // One datagram (fragmented above the MTU); Unreachable when no route.
    Err send_to(SocketId id, std::uint32_t addr, std::uint16_t port, base::Bytes data, Time now);
    // The oldest datagram waiting, if any (its data moved out).
    std::optional<Datagram> recv_from(SocketId id);
    void dgram_close(SocketId id);

    // Resets every connection and forgets every socket (the process ends).
    void shutdown(Time now);

    // ---- what the wiring and a teacher read ----
    Counters counters() const;
    ConnectionList connection_list() const;
    std::optional<std::uint32_t> source_for(std::uint32_t dst) const;  // not raw mode
    // Raw mode: whether a segment to (addr, port) is ours to answer.
    bool holds_port(std::uint32_t addr, std::uint16_t port) const;
    const l2::ArpCache* arp(int ifindex) const;
    const ip::RouteTable& routes() const { return routes_; }
    std::size_t connections() const { return conns_.size(); }
    // The path MTU estimate toward dst, if Path MTU Discovery lowered it.
    std::optional<std::uint32_t> path_mtu_estimate(std::uint32_t dst) const;

private:
    struct Interface;
    struct Conn;
    struct Listen;
    struct Dgram;

    // input.cpp: frames and datagrams in
    void on_ipv4(Interface& nif, base::Bytes packet, bool trusted, bool link_bcast, Time now);
    void dispatch(Interface& nif, const ip::Ipv4View& v, base::Bytes packet, bool trusted,
                  bool bcast, Time now);
    void on_icmp(const ip::Ipv4View& v, bool bcast, Time now);
    void on_udp(Interface& nif, const ip::Ipv4View& v, base::Bytes packet, bool trusted,
                bool bcast, Time now);
    void deliver_icmp_error(const ip::IcmpErrorReport& r, Time now);
    void packet_too_big(const ip::IcmpErrorReport& r, SocketId conn, Time now);
    // From the address `offending` was sent to (ours), or, when `from` is
    // set, from that address (a router's error about a datagram in transit).
    void send_icmp_error(const Interface* nif, std::uint8_t type, std::uint8_t code,
                         base::Bytes offending, bool link_bcast, Time now, std::uint32_t from = 0,
                         std::uint16_t next_hop_mtu = 0);

    // forward.cpp: RFC 1812 forwarding
    void forward(Interface& in, const ip::Ipv4View& v, base::Bytes packet, bool link_bcast, Time now);
    void forward_error(Interface& in, const ip::Ipv4View& v, base::Bytes packet, ForwardEvent ev,
                       std::uint8_t type, std::uint8_t code, Time now);
    void forward_out(Interface& in, const ip::Ipv4View& v, base::Bytes packet,
                     const ip::NextHop& hop, Time now);
    void forward_unresolved(const ip::Ipv4View& v, base::Bytes packet);
    void tell(const ForwardEvent& e, Time now) {
        if (cfg_.forward_observer) cfg_.forward_observer->on_forward(e, now);
    }
    bool is_our_address(std::uint32_t a) const;

    // output.cpp: datagrams and frames out, built in place
    // `gso_size`: a TCP super-segment (longer than the MTU) whose pieces
    // carry that many payload bytes each (TSO); 0 for every other datagram.
    int send_datagram(std::uint32_t src, std::uint32_t dst, base::Bytes packet, Time now,
                      std::uint16_t gso_size = 0);
    int send_on(Interface& nif, const ip::Egress& e, base::Bytes packet, std::size_t mtu, Time now,
                std::uint16_t gso_size = 0);
    // The largest datagram toward dst: the link's MTU, or less if Path MTU
    // Discovery found less (RFC 1191).
    std::size_t path_mtu(std::uint32_t dst, std::size_t link_mtu) const;
    std::size_t link_mtu_for(std::uint32_t dst) const;  // the route's interface's
    // Whether TCP toward dst may send super-segments for the device to cut
    // (TSO); and whether one of `len` bytes goes to the device whole.
    bool gso_toward(const Interface& nif, std::uint32_t dst) const;
    bool device_cuts(const Interface& nif, const ip::Egress& e, std::size_t len) const;
    // Raw mode: the kernel's route toward dst when it is local and the
    // device takes super-segments there (InterfaceConfig::gso_to_local).
    std::optional<RouteInfo> local_gso_route(const Interface& nif, std::uint32_t dst) const;
    // The interface the route toward dst leaves by (the first one when no
    // route matches); nullptr with no interface at all.
    const Interface* iface_for(std::uint32_t dst) const;
    void age_path_mtus(Time now);
    // Raw mode: a super-segment cut here into pieces of gso_size, each put().
    int put_pieces(Interface& nif, const ip::Egress& e, base::Bytes packet, Time now,
                   std::uint16_t gso_size);
    int put(Interface& nif, const ip::Egress& e, base::Bytes packet, Time now,
            std::uint16_t gso_size = 0);
    int transmit_frame(Interface& nif, const l2::MacAddr& dst, std::uint16_t type,
                       base::MutBytes frame, std::size_t payload_len, std::uint16_t gso_size = 0);
    // Counts (and logs) what put() handed to a sink without a link header,
    // a packet of `len` bytes: `err` back.
    int bare_sent(Interface& nif, std::size_t len, int err);
    // Counts (and logs) what transmit_frame handed to the sink: `err` back.
    int frame_sent(Interface& nif, const l2::MacAddr& dst, std::uint16_t type,
                   std::size_t payload_len, int err);
    void send_segment(const tcp::Tuple& t, const tcp::Header& h, base::Bytes p1, base::Bytes p2,
                      std::uint16_t gso_size) override;
    // output_parts.cpp: a super-segment whose payload stays in the send
    // ring (FrameSink::transmit_gso_parts). False, nothing sent, where
    // send_datagram would not hand it whole to transmit_gso on an Ethernet
    // interface with its next hop's MAC known: the caller builds it whole.
    bool send_segment_parts(const ip::Ipv4Header& ih, const tcp::Header& h, base::Bytes p1,
                            base::Bytes p2, std::uint16_t gso_size);
    bool send_raw_parts(const ip::Ipv4Header& ih, const tcp::Header& h, base::Bytes p1,
                        base::Bytes p2, std::uint16_t gso_size);
    std::size_t build_parts_headers(const ip::Ipv4Header& ih, const tcp::Header& h, std::size_t payload);
    void send_arp(const l2::MacAddr& eth_dst, const l2::ArpPacket& packet) override;
    void send_ipv4(const l2::MacAddr& eth_dst, base::Bytes packet) override;
    void unresolved(std::uint32_t next_hop, base::Bytes packet) override;

    // tcp_input.cpp: the demux, listeners, RST replies
    void on_tcp(const ip::Ipv4View& v, bool trusted, Time now);
    void to_listener(Listen& l, const tcp::Tuple& t, const tcp::SegmentView& seg, Time now);
    void reply_reset(const tcp::Tuple& t, const tcp::SegmentView& seg);
    void send_cookie(Listen& l, const tcp::Tuple& t, const tcp::SegmentView& syn, Time now);
    bool open_from_cookie(Listen& l, const tcp::Tuple& t, const tcp::SegmentView& ack, Time now);
    Listen* find_listener(std::uint32_t addr, std::uint16_t port);

    // tcp_sockets.cpp: connection bookkeeping
    Conn* find(SocketId id);
    const Conn* find(SocketId id) const;
    Conn& add(std::unique_ptr<tcp::Connection> c, Hold hold);
    void settle(Conn& e);
    void detach(Conn& e);
    void destroy(Conn& e);
    void schedule(Conn& e);
    // timers_ without an allocation once warm (spare_timers_).
    void arm(Time t, SocketId id);
    void disarm(Time t, SocketId id);
    void keep_spare(std::set<std::pair<Time, SocketId>>::node_type node);
    void on_app_deadline(Conn& e, Time now);
    Err error_of(const Conn& e) const;
    std::uint16_t mss_for(std::uint32_t dst) const;
    // cfg_.tcp with the MSS (mss_for) and the TSO limit of the route to dst.
    tcp::Config tcp_config_for(std::uint32_t dst) const;
    void changed(SocketId id);

    // datagram.cpp
    Dgram* find_dgram(bool ping, std::uint32_t addr, std::uint16_t port);
    void deliver(Dgram& d, Datagram item);

    Config cfg_;
    tcp::IsnGenerator isn_;
    tcp::SynCookies cookies_;
    std::vector<std::unique_ptr<Interface>> ifaces_;
    std::vector<ip::IfaceAddr> addrs_;  // ifaces_' addresses, for ip/host_rules
    ip::RouteTable routes_;
    ip::Reassembler reassembler_;
    ip::TokenBucket icmp_errors_{1000, 50};  // RFC 1812 4.3.2.8, Linux's defaults
    Counters counters_;
    tcp::Stats closed_stats_;  // summed as each connection reaches CLOSED
    std::uint64_t next_id_ = 1;
    std::uint16_t next_ip_id_ = 1;
    std::uint16_t next_ping_id_ = 0;
    Time now_{0};  // the latest time handed in; for callbacks that carry none
    // When the buffers of idle connections are next given back (none while
    // no connection holds any).
    std::optional<Time> trim_at_;
    void trim_buffers(Time now);

    std::unordered_map<SocketId, std::unique_ptr<Conn>> conns_;
    std::unordered_map<tcp::Tuple, SocketId, tcp::TupleHash> by_tuple_;
    std::map<SocketId, std::unique_ptr<Listen>> listeners_;
    std::unordered_map<SocketId, std::unique_ptr<Dgram>> dgrams_;
    // (address, port) pairs our TCP uses, counted (address 0: a listener on
    // every address), for holds_port.
    std::map<std::pair<std::uint32_t, std::uint16_t>, int> local_ports_;
    void hold_local(std::uint32_t addr, std::uint16_t port) { ++local_ports_[{addr, port}]; }
    void release_local(std::uint32_t addr, std::uint16_t port);
    std::vector<SocketId> due_;  // poll()'s scratch list, kept to avoid an allocation per wake-up
    struct PathMtu {
        std::uint32_t mtu = 0;
        Time expires{0};
    };
    std::unordered_map<std::uint32_t, PathMtu> pmtu_;  // by destination (RFC 1191 5)
    // Deadlines of every connection (protocol timer or application
    // timeout), earliest first.
    using Timers = std::set<std::pair<Time, SocketId>>;
    Timers timers_;
    // Nodes of timers_ taken out, kept for the next arm() (at most
    // kSpareTimers, reserved at construction).
    static constexpr std::size_t kSpareTimers = 64;
    std::vector<Timers::node_type> spare_timers_;
    std::vector<SocketId> changed_;
    std::vector<SocketId> acks_owed_;  // connections end_of_batch() will ACK for

    // Buffers, each with room for the link header in front of the packet.
    std::vector<std::uint8_t> tx_;    // TCP segments
    std::vector<std::uint8_t> icmp_;  // ICMP replies and errors, UDP datagrams
    std::vector<std::uint8_t> frag_;  // one fragment at a time
    std::vector<std::uint8_t> piece_; // raw mode: one piece of a super-segment cut here
    std::vector<std::uint8_t> arp_;   // ARP packets and packets ARP released
    std::vector<std::uint8_t> fwd_;   // a datagram being forwarded
};

}  // namespace host
