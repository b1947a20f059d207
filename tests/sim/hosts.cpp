#include "hosts.hpp"

#include <sstream>

#include "link/gso_checksum.hpp"

namespace simhost {

// ---- Frame ----

std::optional<l2::EthernetView> Frame::eth() const {
    auto e = l2::parse_ethernet(bytes);
    if (!e) return std::nullopt;
    return *e;
}

std::optional<l2::ArpPacket> Frame::arp() const {
    auto e = eth();
    if (!e || e->header.type != l2::ethertype::ARP) return std::nullopt;
    auto a = l2::parse_arp(e->payload);
    if (!a) return std::nullopt;
    return *a;
}

std::optional<ip::Ipv4Header> Frame::ip() const {
    auto e = eth();
    if (!e || e->header.type != l2::ethertype::IPv4) return std::nullopt;
    auto v = ip::parse_ipv4(e->payload, true);
    if (!v) return std::nullopt;
    return v->header;
}

std::optional<tcp::Header> Frame::tcp() const {
    auto e = eth();
    if (!e || e->header.type != l2::ethertype::IPv4) return std::nullopt;
    auto v = ip::parse_ipv4(e->payload, true);
    if (!v || v->header.protocol != ip::kProtoTcp) return std::nullopt;
    auto s = tcp::parse(v->payload, v->header.src, v->header.dst, true);
    if (!s) return std::nullopt;
    return s->header;
}

std::optional<ip::IcmpMessage> Frame::icmp() const {
    auto e = eth();
    if (!e || e->header.type != l2::ethertype::IPv4) return std::nullopt;
    auto v = ip::parse_ipv4(e->payload, true);
    if (!v || v->header.protocol != ip::kProtoIcmp || v->header.is_fragment()) return std::nullopt;
    auto m = ip::parse_icmp(v->payload);
    if (!m) return std::nullopt;
    return m->message;
}

std::string Frame::describe() const {
    std::ostringstream o;
    o << "t=" << at.count() << "us node " << from << ": ";
    if (auto a = arp()) {
        o << (a->op == l2::ArpOp::Request ? "ARP request who-has " : "ARP reply ")
          << ip::addr_to_string(a->tpa) << " from " << ip::addr_to_string(a->spa);
    } else if (auto h = ip()) {
        o << "IPv4 " << ip::addr_to_string(h->src) << " -> " << ip::addr_to_string(h->dst)
          << " proto " << unsigned{h->protocol} << " len " << h->total_length;
        if (h->is_fragment()) o << " frag off " << h->frag_offset * 8 << (h->mf ? " MF" : "");
        if (auto t = tcp()) o << " TCP " << t->src_port << " > " << t->dst_port << " flags " << unsigned{t->flags};
        if (auto m = icmp()) o << " ICMP type " << unsigned{m->type} << " code " << unsigned{m->code};
    } else {
        o << bytes.size() << " bytes";
    }
    return o.str();
}

// ---- Node ----

Node::Node(Lan& l, int i, std::uint32_t a, std::uint8_t mac_last, host::Config cfg,
           l2::FaultConfig faults, std::size_t mtu, std::size_t max_send_packet)
    : lan(l),
      index(i),
      addr(a),
      mac{{0x02, 0, 0, 0, 0, mac_last}},
      own(std::make_unique<host::Host>(std::move(cfg))),
      host(*own),
      tx(std::move(faults), "node" + std::to_string(i)) {
    host::InterfaceConfig ic;
    ic.name = "sim" + std::to_string(i);
    ic.framing = l2::Framing::Ethernet;
    ic.mtu = mtu;
    ic.addr = {a, 24};
    ic.mac = mac;
    ic.max_send_packet = max_send_packet;
    ifindex = host.add_interface(ic, *this);
}

Node::Node(Lan& l, int i, host::Host& h, std::uint32_t a, std::uint8_t mac_last, std::size_t mtu)
    : lan(l), index(i), addr(a), mac{{0x02, 0, 0, 0, 0, mac_last}}, host(h),
      tx(l2::FaultConfig{.seed = 2000u + static_cast<unsigned>(i)}, "node" + std::to_string(i)) {
    host::InterfaceConfig ic;
    ic.name = "sim" + std::to_string(mac_last);
    ic.framing = l2::Framing::Ethernet;
    ic.mtu = mtu;
    ic.addr = {a, 24};
    ic.mac = mac;
    ifindex = host.add_interface(ic, *this);
}

namespace {
bool is_ipv4(base::Bytes frame) {
    const auto e = l2::parse_ethernet(frame);
    return e && e->header.type == l2::ethertype::IPv4;
}
std::size_t ip_length(base::Bytes frame) {
    const auto v = ip::parse_ipv4(frame.subspan(l2::kEthHeaderLen), false);
    return v ? v->header.total_length : 0;
}
}  // namespace

int Node::transmit_gso_parts(const l2::GsoParts& parts) {
    ++parts_frames;
    if (on_parts) on_parts(parts);
    return FrameSink::transmit_gso_parts(parts);
}

int Node::transmit(base::Bytes frame) {
    if (is_ipv4(frame)) {
        ++ip_packets;
        ip_bytes += ip_length(frame);
    }
    largest_frame = std::max(largest_frame, frame.size());
    lan.sent(*this, frame);
    return 0;
}

int Node::transmit_gso(base::Bytes frame, std::uint16_t gso_size) {
    ++tso_frames;
    ++ip_packets;
    ip_bytes += ip_length(frame);
    largest_frame = std::max(largest_frame, frame.size());
    const auto pieces = tso_segment(frame, gso_size);
    if (pieces.empty()) ++bad_tso;
    if (auto v = ip::parse_ipv4(frame.subspan(l2::kEthHeaderLen))) {
        if (auto seg = tcp::parse(v->payload, v->header.src, v->header.dst, false)) {
            if (tso_end && tcp::seq_lt(seg->header.seq, *tso_end)) tso_new_data_only = false;
            tso_end = seg->header.seq + static_cast<std::uint32_t>(seg->payload.size());
        }
    }
    for (const auto& p : pieces) lan.sent(*this, p);
    return 0;
}

std::vector<std::vector<std::uint8_t>> tso_segment(base::Bytes frame, std::uint16_t gso_size) {
    std::vector<std::vector<std::uint8_t>> out;
    if (frame.size() < l2::kEthHeaderLen || gso_size == 0) return out;
    // The contract of send_gso: the field holds the pseudo-header's sum,
    // and finished it is the RFC 9293 3.1 checksum of what was sent.
    if (!l2::tcp_checksum_is_partial(frame, l2::Framing::Ethernet)) return out;
    std::vector<std::uint8_t> whole(frame.begin(), frame.end());
    l2::finish_tcp_checksum(whole, l2::Framing::Ethernet);
    const auto v = ip::parse_ipv4(base::Bytes(whole).subspan(l2::kEthHeaderLen));
    if (!v || v->header.protocol != ip::kProtoTcp) return out;
    const auto seg = tcp::parse(v->payload, v->header.src, v->header.dst, true);
    if (!seg) return out;
    const base::Bytes data = seg->payload;
    for (std::size_t off = 0, k = 0; off < data.size(); off += gso_size, ++k) {
        const std::size_t n = std::min<std::size_t>(gso_size, data.size() - off);
        tcp::Header h = seg->header;
        h.seq = seg->header.seq + static_cast<std::uint32_t>(off);
        if (off + n < data.size()) h.flags &= static_cast<std::uint8_t>(~(tcp::flag::PSH | tcp::flag::FIN));
        std::vector<std::uint8_t> f(l2::kEthHeaderLen + ip::kIpv4HeaderLen + tcp::kHeaderMax + n);
        std::copy(frame.begin(), frame.begin() + l2::kEthHeaderLen, f.begin());
        const base::MutBytes tcp_out = base::MutBytes(f).subspan(l2::kEthHeaderLen + ip::kIpv4HeaderLen);
        const std::size_t tl = tcp::build(tcp_out, h, v->header.src, v->header.dst,
                                          data.subspan(off, n), {});
        ip::Ipv4Header ih = v->header;
        ih.ihl = 5;  // the options, if any, are not copied
        ih.total_length = static_cast<std::uint16_t>(ip::kIpv4HeaderLen + tl);
        ih.id = static_cast<std::uint16_t>(v->header.id + k);
        ip::build_ipv4_header(base::MutBytes(f).subspan(l2::kEthHeaderLen), ih);
        f.resize(l2::kEthHeaderLen + ih.total_length);
        out.push_back(std::move(f));
    }
    return out;
}

// ---- Lan ----

host::Config Lan::default_config() {
    host::Config c;
    c.isn_key = {0x0123456789abcdefull, 0xfedcba9876543210ull};  // the same ISNs every run
    c.tcp.msl = 1s;
    return c;
}

Node& Lan::add(std::uint32_t addr, std::uint8_t mac_last, host::Config cfg, l2::FaultConfig faults,
               std::size_t mtu, std::size_t max_send_packet) {
    if (!faults.seed) faults.seed = 1000 + nodes.size();
    const int i = static_cast<int>(nodes.size());
    nodes.push_back(std::make_unique<Node>(*this, i, addr, mac_last, std::move(cfg), std::move(faults),
                                           mtu, max_send_packet));
    return *nodes.back();
}

Node& Lan::attach(host::Host& h, std::uint32_t addr, std::uint8_t mac_last, std::size_t mtu) {
    const int i = static_cast<int>(nodes.size());
    nodes.push_back(std::make_unique<Node>(*this, i, h, addr, mac_last, mtu));
    return *nodes.back();
}

std::optional<Time> Lan::next_event() const {
    std::optional<Time> next;
    auto earlier = [&next](std::optional<Time> t) {
        if (t && (!next || *t < *next)) next = t;
    };
    for (auto& n : nodes) {
        earlier(n->tx.next_deadline());
        earlier(n->host.next_deadline());
    }
    return next;
}

bool run_lans_until(const std::vector<Lan*>& lans, const std::function<bool()>& done,
                    host::Duration limit) {
    const Time end = lans.front()->now + limit;
    for (Lan* l : lans) l->step();
    while (!done()) {
        std::optional<Time> next;
        for (Lan* l : lans)
            if (auto t = l->next_event(); t && (!next || *t < *next)) next = t;
        if (!next || *next > end) {
            for (Lan* l : lans) l->now = end;
            return done();
        }
        for (Lan* l : lans) {
            l->now = std::max(l->now, *next);
            l->step();
        }
    }
    return true;
}

void Lan::sent(Node& n, base::Bytes frame) {
    wire.push_back({n.index, now, {frame.begin(), frame.end()}});
    if (!n.unplugged) n.tx.push(frame, now);
}

void Lan::inject(int from, base::Bytes frame) { sent(*nodes[static_cast<std::size_t>(from)], frame); }

void Lan::step() {
    // Frames due now go to every other port (a hub); each host then runs
    // its due timers. Deliveries may make hosts send more, due later.
    for (auto& n : nodes) {
        while (n->tx.pop(now, buf_)) {
            for (auto& m : nodes)
                if (m.get() != n.get() && !m->unplugged) m->host.on_frame(m->ifindex, buf_, false, now);
        }
    }
    for (auto& n : nodes)
        if (auto d = n->host.next_deadline(); d && *d <= now) n->host.poll(now);
    // Each step is one receive batch, as a wake-up of the stack's loop is
    // (a no-op unless tcp::Config::ack_per_batch).
    for (auto& n : nodes) n->host.end_of_batch(now);
}

bool Lan::advance(Time until) {
    const std::optional<Time> next = next_event();
    if (!next || *next > until) return false;
    now = std::max(now, *next);
    step();
    return true;
}

bool Lan::run_until(const std::function<bool()>& done, host::Duration limit) {
    const Time end = now + limit;
    step();
    while (!done()) {
        if (!advance(end)) {
            now = end;
            return done();
        }
    }
    return true;
}

void Lan::run_for(host::Duration d) {
    const Time end = now + d;
    step();
    while (advance(end)) {
    }
    now = end;
}

std::vector<const Frame*> Lan::frames(const std::function<bool(const Frame&)>& match,
                                      std::size_t first) const {
    std::vector<const Frame*> out;
    for (std::size_t i = first; i < wire.size(); ++i)
        if (match(wire[i])) out.push_back(&wire[i]);
    return out;
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<std::uint8_t> tcp_frame(const l2::MacAddr& src_mac, const l2::MacAddr& dst_mac,
                                    std::uint32_t src, std::uint32_t dst, const tcp::Header& h,
                                    const std::string& payload) {
    std::vector<std::uint8_t> f(l2::kEthHeaderLen + 20 + 60 + payload.size(), 0);
    l2::build_ethernet_header(f, {dst_mac, src_mac, l2::ethertype::IPv4});
    auto seg = base::MutBytes(f).subspan(l2::kEthHeaderLen + 20);
    const std::size_t n = tcp::build(seg, h, src, dst, span_of(payload));
    REQUIRE(n > 0);
    ip::Ipv4Header ih;
    ih.total_length = static_cast<std::uint16_t>(20 + n);
    ih.protocol = ip::kProtoTcp;
    ih.src = src;
    ih.dst = dst;
    REQUIRE(ip::build_ipv4_header(base::MutBytes(f).subspan(l2::kEthHeaderLen), ih) == 20);
    f.resize(l2::kEthHeaderLen + 20 + n);
    return f;
}

void warm_arp(Lan& lan, Node& a, Node& b) {
    auto p = a.host.ping_open(lan.now);
    REQUIRE(a.host.send_to(p.value.first, b.addr, 1, span_of("hi"), lan.now) == host::Err::None);
    REQUIRE(lan.run_until([&] { return a.host.recv_from(p.value.first).has_value(); }, 1s));
    a.host.dgram_close(p.value.first);
}
base::Bytes span_of(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

OneWayTransfer::OneWayTransfer(std::size_t bytes, l2::FaultConfig a_wire, l2::FaultConfig b_wire,
                               std::size_t a_max_send)
    : data(bytes) {
    a = &lan.add(kA, 1, Lan::default_config(), a_wire, 1514, a_max_send);
    b = &lan.add(kB, 2, Lan::default_config(), b_wire);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131 + (i >> 11));
    auto l = b->host.listen(0, 80, 8, {});
    c = a->host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s).value;
    REQUIRE(lan.run_until([&] { return (s = b->host.accept(l.value).value.id) != 0; }, 5s));
}

void OneWayTransfer::pump(host::Duration d) {
    std::vector<std::uint8_t> buf(65536);
    const Time end = lan.now + d;
    while (lan.now < end && got.size() < data.size()) {
        if (sent < data.size()) sent += a->host.send(c, base::Bytes(data).subspan(sent), lan.now);
        while (std::size_t n = b->host.recv(s, buf, lan.now))
            got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        if (!lan.advance(end)) break;
    }
}

}  // namespace simhost
