// libFuzzer target: the whole input path of a host::Host, A, that routes
// (Config::forward) between two Ethernet interfaces, 10.0.0.1/24 and
// 10.0.1.1/24 (what it forwards out of the second is checked like the
// rest, and never delivered). Each input gets a fresh pair of hosts, A (10.0.0.1, the one
// fuzzed) and B (10.0.0.2), on a tiny in-memory link; a scripted start gives
// A a listener on port 80, a UDP socket on 53, a ping socket, and a live
// connection from B:40000 with data of A's in flight. Then B is unplugged
// and the input, cut into records, is fed to A as frames with a fake clock:
//
//   record: ctl (1) | time (1) | length (2, big-endian) | body (length)
//   ctl bit 0     checksum_trusted
//       bits 1-2  0: the body is the whole frame
//                 1: an Ethernet header (to the MAC bits 3-4 pick) + body;
//                    bit 5: EtherType ARP, else IPv4
//                 2: as 1, the body an IPv4 packet with its total length,
//                    header and transport checksums patched valid (bit 5:
//                    keep its addresses, else from B to A)
//                 3: a TCP segment from B to A's port 80 built around the
//                    body (see tcp_frame), seq and ack relative to what A
//                    last sent on that port pair, checksums valid; bit 5:
//                    instead an ICMP error from B quoting a segment of A's
//                    on that port pair (see icmp_frame)
//       bits 3-4  destination MAC: A's, broadcast, multicast, another host's
//       bit 6     then the application reads: accept, recv, recv_from
//       bit 7     then the application writes on the connection
//   time          advance the clock (see advance()) and poll()
//
// Every frame A sends is parsed back: it must be Ethernet + (ARP | IPv4 with
// a valid header checksum, and a valid transport checksum when whole and A's own).
// After every record: the reassembler holds no more than its bound, and the
// connection table stays small.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <vector>

#include "base/log.hpp"
#include "fuzz/check.hpp"
#include "host/host.hpp"
#include "ip/checksum.hpp"
#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"
#include "ip/udp.hpp"
#include "link/arp.hpp"
#include "link/ethernet.hpp"
#include "tcp/segment.hpp"

namespace {

using namespace std::chrono_literals;
using host::SocketId;
using host::Time;

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;
constexpr std::uint32_t kA2 = 0x0a000101;  // A's second interface: A routes (--forward)
const l2::MacAddr kMacA{{0x02, 0, 0, 0, 0, 0x01}};
const l2::MacAddr kMacB{{0x02, 0, 0, 0, 0, 0x02}};
const l2::MacAddr kMacA2{{0x02, 0, 0, 0, 0, 0x03}};
constexpr std::uint16_t kTcpPort = 80, kUdpPort = 53, kPeerPort = 40000;
constexpr std::size_t kMaxConnections = 2000;
constexpr std::size_t kMaxBody = 2048;

// What A last said on a connection to B's `port`: the next sequence number
// it will send and the one it expects.
struct Said {
    std::uint32_t snd_nxt = 0;
    std::uint32_t rcv_nxt = 0;
};

void check_transport(const ip::Ipv4View& v) {
    const auto& h = v.header;
    // A datagram A forwarded (RFC 1812) keeps the transport checksum it came
    // with: a router does not check or fix it. Only A's own are checked.
    if (h.is_fragment() || (h.src != kA && h.src != kA2)) return;
    if (h.protocol == ip::kProtoTcp)
        FUZZ_CHECK(ip::transport_checksum_ok(h.src, h.dst, ip::kProtoTcp, v.payload));
    if (h.protocol == ip::kProtoUdp && v.payload.size() >= ip::kUdpHeaderLen &&
        base::get_u16(v.payload.data() + 6) != 0)
        FUZZ_CHECK(ip::transport_checksum_ok(h.src, h.dst, ip::kProtoUdp, v.payload));
    if (h.protocol == ip::kProtoIcmp) FUZZ_CHECK(ip::checksum(v.payload) == 0);
}

// A's side of the link: every frame is checked, TCP segments to B remembered.
struct Sink final : host::FrameSink {
    bool deliver = true;  // keep frames for the peer (the scripted start)
    std::vector<std::vector<std::uint8_t>> frames;
    std::map<std::uint16_t, Said> said;  // by B's port

    int transmit(base::Bytes frame) override {
        auto e = l2::parse_ethernet(frame);
        FUZZ_CHECK(e.ok());
        if (e->header.type == l2::ethertype::ARP) {
            FUZZ_CHECK(l2::parse_arp(e->payload).ok());
        } else {
            FUZZ_CHECK(e->header.type == l2::ethertype::IPv4);
            auto v = ip::parse_ipv4(e->payload, true);
            FUZZ_CHECK(v.ok());
            check_transport(*v);
            remember(*v);
        }
        if (deliver) frames.emplace_back(frame.begin(), frame.end());
        return 0;
    }

    void remember(const ip::Ipv4View& v) {
        if (v.header.protocol != ip::kProtoTcp || v.header.is_fragment()) return;
        auto s = tcp::parse(v.payload, v.header.src, v.header.dst, false);
        if (!s) return;
        Said& w = said[s->header.dst_port];
        w.snd_nxt = s->header.seq + s->seg_len();
        if (s->header.has(tcp::flag::ACK)) w.rcv_nxt = s->header.ack;
    }
};

host::Config config(bool forward = false) {
    host::Config c;
    c.forward = forward;
    c.isn_key = {0x0123456789abcdefull, 0xfedcba9876543210ull};
    c.tcp.msl = 1s;
    // Small buffers: each input builds its connections afresh, and zeroing
    // 256 KiB rings would be most of a run's time.
    c.tcp.send_buffer = 16 * 1024;
    c.tcp.recv_buffer = 16 * 1024;
    return c;
}

host::InterfaceConfig iface(std::uint32_t addr, const l2::MacAddr& mac) {
    host::InterfaceConfig ic;
    ic.name = "fuzz";
    ic.addr = {addr, 24};
    ic.mac = mac;
    return ic;
}

struct Rig {
    Sink wa, wb, wa2;
    host::Host a{config(true)}, b{config()};
    int ia = a.add_interface(iface(kA, kMacA), wa);
    int ib = b.add_interface(iface(kB, kMacB), wb);
    int ia2 = a.add_interface(iface(kA2, kMacA2), wa2);  // frames checked, never delivered
    Time now{1000000};
    SocketId listener = 0, udp = 0, ping = 0, conn = 0;
    std::vector<SocketId> accepted;
    std::uint16_t ip_id = 1;

    bool start();
    void pump();
    void advance(std::uint8_t t);
    void feed(std::uint8_t ctl, base::Bytes body);
    void read_all();
    void write_some();
    void check() const;
};

// Frames between A and B until both are quiet, timers run as they fall due.
void Rig::pump() {
    for (int round = 0; round < 50; ++round) {
        auto fa = std::move(wa.frames), fb = std::move(wb.frames);
        wa.frames.clear();
        wb.frames.clear();
        if (fa.empty() && fb.empty()) return;
        for (auto& f : fa) b.on_frame(ib, f, false, now);
        for (auto& f : fb) a.on_frame(ia, f, false, now);
        now += 100us;
        if (auto d = a.next_deadline(); d && *d <= now) a.poll(now);
        if (auto d = b.next_deadline(); d && *d <= now) b.poll(now);
    }
}

// The scripted start: sockets on A, B connects, A accepts and sends.
bool Rig::start() {
    wa2.deliver = false;
    wa2.frames.clear();
    auto l = a.listen(0, kTcpPort, 16, {});
    auto u = a.udp_open(0, kUdpPort, {});
    auto p = a.ping_open(now);
    if (!l || !u || !p) return false;
    listener = l.value;
    udp = u.value;
    ping = p.value.first;
    pump();
    auto c = b.connect({kB, kPeerPort, kA, kTcpPort}, {}, now, 0s);
    if (!c) return false;
    pump();
    auto acc = a.accept(listener);
    if (!acc || acc.value.id == 0) return false;
    conn = acc.value.id;
    const std::array<std::uint8_t, 5> hello{'h', 'e', 'l', 'l', 'o'};
    b.send(c.value, hello, now);
    pump();
    // From here on B is unplugged: what A sends is checked, not delivered.
    wa.deliver = false;
    wa.frames.clear();
    const std::array<std::uint8_t, 300> data{};
    a.send(conn, data, now);
    a.send_to(udp, kB, 9, base::Bytes(data).first(20), now);
    a.send_to(ping, kB, 0, base::Bytes(data).first(16), now);
    return a.status(conn) && a.status(conn)->established;
}

void Rig::advance(std::uint8_t t) {
    static constexpr std::array<host::Duration, 8> kSteps = {0us,   100us, 1ms, 10ms,
                                                              100ms, 1s,    10s, 60s};
    now += kSteps[t & 7] * ((t >> 3) + 1);
    if (auto d = a.next_deadline(); d && *d <= now) a.poll(now);
}

void Rig::read_all() {
    for (int i = 0; i < 8; ++i) {
        auto acc = a.accept(listener);
        if (!acc || acc.value.id == 0) break;
        if (accepted.size() < 64) accepted.push_back(acc.value.id);
    }
    std::array<std::uint8_t, 4096> buf{};
    a.recv(conn, buf, now);
    for (auto id : accepted) a.recv(id, buf, now);
    while (a.recv_from(udp)) {
    }
    while (a.recv_from(ping)) {
    }
    std::vector<SocketId> ids;
    a.take_changed(ids);
}

void Rig::write_some() {
    const std::array<std::uint8_t, 700> data{};
    a.send(conn, data, now);
    if (!accepted.empty()) a.send(accepted.back(), base::Bytes(data).first(100), now);
}

void Rig::check() const {
    FUZZ_CHECK(a.counters().reassembly_bytes <= config().reassembly.max_bytes);
    FUZZ_CHECK(a.connections() < kMaxConnections);
}

l2::MacAddr dst_mac(std::uint8_t ctl) {
    switch ((ctl >> 3) & 3) {
        case 0: return kMacA;
        case 1: return l2::kBroadcastMac;
        case 2: return l2::MacAddr{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
        default: return l2::MacAddr{{0x02, 0, 0, 0, 0, 0x09}};
    }
}

void put_eth(std::vector<std::uint8_t>& f, std::uint8_t ctl, std::uint16_t type) {
    f.resize(l2::kEthHeaderLen);
    l2::build_ethernet_header(f, {dst_mac(ctl), kMacB, type});
}

// Mode 2: the body's IPv4 header and transport checksums made valid, so
// that the fuzzer's bytes get past the checks to the protocols.
void patch_ipv4(std::vector<std::uint8_t>& f, bool keep_addrs) {
    base::MutBytes p = base::MutBytes(f).subspan(l2::kEthHeaderLen);
    if (p.size() < ip::kIpv4HeaderLen || p.size() > 0xffff) return;
    p[0] = static_cast<std::uint8_t>(0x40 | std::max(5, p[0] & 0x0f));
    const std::size_t hlen = std::size_t{p[0] & 0x0fu} * 4;
    if (hlen > p.size()) return;
    base::put_u16(p.data() + 2, static_cast<std::uint16_t>(p.size()));
    if (!keep_addrs) {
        base::put_u32(p.data() + 12, kB);
        base::put_u32(p.data() + 16, kA);
    }
    base::put_u16(p.data() + 10, 0);
    base::put_u16(p.data() + 10, ip::checksum(p.first(hlen)));
    const bool fragment = (base::get_u16(p.data() + 6) & 0x3fff) != 0;
    if (fragment) return;
    auto t = p.subspan(hlen);
    const std::uint32_t src = base::get_u32(p.data() + 12), dst = base::get_u32(p.data() + 16);
    if (p[9] == ip::kProtoTcp && t.size() >= tcp::kHeaderMin) {
        base::put_u16(t.data() + 16, 0);
        base::put_u16(t.data() + 16, ip::transport_checksum(src, dst, ip::kProtoTcp, t));
    } else if (p[9] == ip::kProtoUdp && t.size() >= ip::kUdpHeaderLen) {
        base::put_u16(t.data() + 6, 0);
        const std::uint16_t c = ip::transport_checksum(src, dst, ip::kProtoUdp, t);
        base::put_u16(t.data() + 6, c == 0 ? 0xffff : c);  // RFC 768: 0 means none
    } else if (p[9] == ip::kProtoIcmp && t.size() >= 4) {
        base::put_u16(t.data() + 2, 0);
        base::put_u16(t.data() + 2, ip::checksum(t));
    }
}

std::uint16_t b_port(std::uint8_t sel) {
    return sel == 0 ? kPeerPort : static_cast<std::uint16_t>(41000 + sel);
}

// Mode 3 with bit 5: body = type | code | seq delta | port | MTU (2) | ...
// An ICMP error (type odd: Time Exceeded, else Destination Unreachable)
// from B quoting A's segment to B's port with sequence number A's snd_nxt
// + delta, so that RFC 1122 4.2.3.9 and RFC 5927's checks are reached.
void icmp_frame(Rig& r, std::vector<std::uint8_t>& f, std::uint8_t ctl, base::Bytes body) {
    if (body.size() < 6) return;
    const std::uint16_t port = b_port(body[3]);
    const Said w = r.wa.said.count(port) ? r.wa.said[port] : Said{};
    constexpr std::size_t kQuote = ip::kIpv4HeaderLen + 8;
    constexpr std::size_t kLen = ip::kIpv4HeaderLen + ip::kIcmpHeaderLen + kQuote;
    put_eth(f, ctl, l2::ethertype::IPv4);
    f.resize(l2::kEthHeaderLen + kLen);
    base::MutBytes p = base::MutBytes(f).subspan(l2::kEthHeaderLen);
    ip::Ipv4Header outer;
    outer.total_length = kLen;
    outer.id = r.ip_id++;
    outer.protocol = ip::kProtoIcmp;
    outer.src = kB;
    outer.dst = kA;
    ip::build_ipv4_header(p, outer);
    ip::Ipv4Header quoted;
    quoted.total_length = 1400;
    quoted.df = true;
    quoted.protocol = ip::kProtoTcp;
    quoted.src = kA;
    quoted.dst = kB;
    std::array<std::uint8_t, kQuote> q{};
    ip::build_ipv4_header(q, quoted);
    base::put_u16(q.data() + 20, kTcpPort);
    base::put_u16(q.data() + 22, port);
    base::put_u32(q.data() + 24, w.snd_nxt + static_cast<std::uint32_t>(std::int8_t(body[2])));
    ip::IcmpMessage m;
    m.type = (body[0] & 1) ? ip::icmp_type::TimeExceeded : ip::icmp_type::DestinationUnreachable;
    m.code = body[1] & 7;
    m.next_hop_mtu = base::get_u16(body.data() + 4);
    m.data = q;
    ip::build_icmp(p.subspan(ip::kIpv4HeaderLen), m);
}

// Mode 3: body = flags | seq delta | ack delta | port | window (2) |
// option words | options... | payload. Port 0 is the live connection's
// (B:40000), any other n is B:41000+n (new connections to the listener).
void tcp_frame(Rig& r, std::vector<std::uint8_t>& f, std::uint8_t ctl, base::Bytes body) {
    if (ctl & 0x20) {
        icmp_frame(r, f, ctl, body);
        return;
    }
    if (body.size() < 7) return;
    const std::uint16_t port = b_port(body[3]);
    const Said w = r.wa.said.count(port) ? r.wa.said[port] : Said{};
    const std::size_t olen = std::min<std::size_t>(body[6] & 0x0f, 10) * 4;
    base::Bytes rest = body.subspan(7);
    const std::size_t copied = std::min(olen, rest.size());
    const std::size_t tlen = tcp::kHeaderMin + olen + (rest.size() - copied);
    put_eth(f, ctl, l2::ethertype::IPv4);
    f.resize(l2::kEthHeaderLen + ip::kIpv4HeaderLen + tlen);
    ip::Ipv4Header h;
    h.total_length = static_cast<std::uint16_t>(ip::kIpv4HeaderLen + tlen);
    h.id = r.ip_id++;
    h.df = true;
    h.protocol = ip::kProtoTcp;
    h.src = kB;
    h.dst = kA;
    ip::build_ipv4_header(base::MutBytes(f).subspan(l2::kEthHeaderLen), h);
    base::MutBytes t = base::MutBytes(f).subspan(l2::kEthHeaderLen + ip::kIpv4HeaderLen);
    base::put_u16(t.data(), port);
    base::put_u16(t.data() + 2, kTcpPort);
    base::put_u32(t.data() + 4, w.rcv_nxt + static_cast<std::uint32_t>(std::int8_t(body[1])));
    base::put_u32(t.data() + 8, w.snd_nxt + static_cast<std::uint32_t>(std::int8_t(body[2])));
    t[12] = static_cast<std::uint8_t>(((tcp::kHeaderMin + olen) / 4) << 4);
    t[13] = body[0];
    t[14] = body[4];
    t[15] = body[5];
    std::fill(t.begin() + 16, t.end(), 0);
    if (!rest.empty()) std::memcpy(t.data() + tcp::kHeaderMin, rest.data(), copied);
    if (rest.size() > copied)
        std::memcpy(t.data() + tcp::kHeaderMin + olen, rest.data() + copied, rest.size() - copied);
    base::put_u16(t.data() + 16, ip::transport_checksum(kB, kA, ip::kProtoTcp, t));
}

void Rig::feed(std::uint8_t ctl, base::Bytes body) {
    std::vector<std::uint8_t> f;
    switch ((ctl >> 1) & 3) {
        case 0: f.assign(body.begin(), body.end()); break;
        case 1:
        case 2:
            put_eth(f, ctl, (ctl & 0x20) && ((ctl >> 1) & 3) == 1 ? l2::ethertype::ARP
                                                                  : l2::ethertype::IPv4);
            f.insert(f.end(), body.begin(), body.end());
            if (((ctl >> 1) & 3) == 2) patch_ipv4(f, ctl & 0x20);
            break;
        default: tcp_frame(*this, f, ctl, body); break;
    }
    if (!f.empty()) a.on_frame(ia, f, ctl & 1, now);
}

}  // namespace

static bool g_stats = false;  // FUZZ_HOST_STATS=1: print A's counters after each input

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    logx::set_level(logx::Level::off);  // nothing on the fuzz path formats a log line
    g_stats = std::getenv("FUZZ_HOST_STATS") != nullptr;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Rig r;
    FUZZ_CHECK(r.start());
    std::size_t i = 0;
    while (i + 4 <= size) {
        const std::uint8_t ctl = data[i], t = data[i + 1];
        const std::size_t len =
            std::min({std::size_t{base::get_u16(data + i + 2)}, size - i - 4, kMaxBody});
        r.feed(ctl, base::Bytes(data + i + 4, len));
        i += 4 + len;
        r.advance(t);
        if (ctl & 0x40) r.read_all();
        if (ctl & 0x80) r.write_some();
        r.check();
    }
    // Let every timer run out: retransmissions give up, TIME-WAIT ends,
    // reassembly times out.
    for (int k = 0; k < 20; ++k) {
        r.advance(7 | (3 << 3));
        r.check();
    }
    if (g_stats) std::cerr << r.a.counters() << "\n";
    return 0;
}
