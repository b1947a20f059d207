#include "tests/sim/harness.hpp"

#include <algorithm>
#include <random>

#include "ip/ipv4.hpp"

namespace sim {

tcp::SegmentView Wire::view() const {
    auto p = tcp::parse(bytes, src, dst, true);
    REQUIRE(p.ok());
    return p.value;
}

void Recorder::send_segment(const tcp::Tuple& t, const tcp::Header& h, base::Bytes p1,
                            base::Bytes p2, std::uint16_t gso_size) {
    Wire w;
    w.gso_size = gso_size;
    w.src = t.local_ip;
    w.dst = t.remote_ip;
    w.bytes.resize(tcp::kHeaderMax + p1.size() + p2.size());
    const std::size_t n = tcp::build(w.bytes, h, t.local_ip, t.remote_ip, p1, p2);
    REQUIRE(n > 0);
    w.bytes.resize(n);
    // Keep the parsed form (what a peer would see), not the builder's input.
    auto parsed = tcp::parse(w.bytes, w.src, w.dst, true);
    REQUIRE(parsed.ok());
    w.h = parsed->header;
    w.payload.assign(parsed->payload.begin(), parsed->payload.end());
    w.at = now;
    sent.push_back(w);
    if (on_send) on_send(sent.back());
}

std::vector<Wire> Recorder::take() {
    std::vector<Wire> v(sent.begin() + static_cast<std::ptrdiff_t>(taken_), sent.end());
    taken_ = sent.size();
    return v;
}

tcp::SegmentView make_segment(const tcp::Tuple& to, const SegSpec& s,
                              std::vector<std::uint8_t>& keep) {
    tcp::Header h;
    h.src_port = to.remote_port;
    h.dst_port = to.local_port;
    h.seq = s.seq;
    h.ack = s.ack;
    h.flags = s.flags;
    h.window = s.window;
    h.options = s.options;
    keep.assign(tcp::kHeaderMax + s.data.size(), 0);
    base::Bytes data(reinterpret_cast<const std::uint8_t*>(s.data.data()), s.data.size());
    const std::size_t n = tcp::build(keep, h, to.remote_ip, to.local_ip, data);
    REQUIRE(n > 0);
    keep.resize(n);
    auto p = tcp::parse(keep, to.remote_ip, to.local_ip, true);
    REQUIRE(p.ok());
    return p.value;
}

void Scripted::connect(tcp::Seq iss) {
    out.now = now;
    conn = tcp::Connection::connect(tuple, cfg, iss, now, out);
}

void Scripted::accept(tcp::Seq iss, const SegSpec& syn) {
    out.now = now;
    auto v = make_segment(tuple, syn, keep);
    conn = tcp::Connection::accept(tuple, cfg, iss, v, now, out);
}

void Scripted::deliver(const SegSpec& s) {
    out.now = now;
    auto v = make_segment(tuple, s, keep);
    conn->on_segment(v, now);
}

void Scripted::advance(tcp::Duration d) {
    const Time until = now + d;
    while (true) {
        auto dl = conn->next_deadline();
        if (!dl || *dl > until) break;
        now = std::max(now, *dl);
        out.now = now;
        conn->on_timer(now);
    }
    now = until;
    out.now = now;
}

Scripted established(tcp::Config cfg, std::uint16_t peer_window,
                     std::optional<std::uint16_t> peer_mss) {
    Scripted s(cfg);
    s.connect(1000);
    SegSpec synack{.seq = 5000, .ack = 1001, .flags = tcp::flag::SYN | tcp::flag::ACK,
                   .window = peer_window};
    synack.options.mss = peer_mss;
    s.deliver(synack);
    s.take();
    return s;
}

// ---------------------------------------------------------------------------

// The two hosts exchange real IPv4 packets over l2::SimLink, so that a
// corrupted byte may land in either header and is caught by the IP or the TCP
// checksum, as on a real wire.
struct Pair::Impl {
    std::unique_ptr<l2::SimLink> link;
    std::vector<std::uint8_t> rx;
    std::uint16_t ip_id = 0;

    void send(Pair& p, const Wire& w, l2::Side from) {
        std::vector<std::uint8_t> pkt(ip::kIpv4HeaderLen + w.bytes.size());
        ip::Ipv4Header h;
        h.total_length = static_cast<std::uint16_t>(pkt.size());
        h.id = ++ip_id;
        h.df = true;
        h.protocol = ip::kProtoTcp;
        h.src = w.src;
        h.dst = w.dst;
        REQUIRE(ip::build_ipv4_header(pkt, h) == ip::kIpv4HeaderLen);
        std::copy(w.bytes.begin(), w.bytes.end(), pkt.begin() + ip::kIpv4HeaderLen);
        const auto& c = link->from(from).counters();
        const std::uint64_t lost_before = c.dropped + c.dropped_nth + c.overflowed;
        link->send(from, pkt, p.now);
        if (p.on_sent) p.on_sent(from, w, c.dropped + c.dropped_nth + c.overflowed > lost_before);
    }
};

Pair::Pair() : impl(std::make_unique<Impl>()) {
    out_a.on_send = [this](Wire& w) { impl->send(*this, w, l2::Side::A); };
    out_b.on_send = [this](Wire& w) { impl->send(*this, w, l2::Side::B); };
}
Pair::~Pair() = default;

void Pair::drop_next(l2::Side from, std::initializer_list<int> offsets) {
    REQUIRE(impl->link);
    auto& inj = impl->link->from(from);
    for (int k : offsets) inj.config().drop_nth.insert(inj.counters().packets + static_cast<std::uint64_t>(k));
}

std::uint64_t Pair::packets_sent(l2::Side from) const {
    return impl->link ? impl->link->from(from).counters().packets : 0;
}

void Pair::drain_reads() {
    std::uint8_t buf[65536];
    for (auto [c, sink] : {std::pair{conn_a.get(), &got_a}, std::pair{conn_b.get(), &got_b}}) {
        if (!c || (c == conn_b.get() && b_paused)) continue;
        while (std::size_t n = c->recv(buf, now)) sink->insert(sink->end(), buf, buf + n);
    }
}

bool Pair::run_until(const std::function<bool()>& pred, tcp::Duration limit) {
    REQUIRE(impl->link);
    const Time end = now + limit;
    Time last = now;
    int stuck = 0;  // iterations without the clock moving: a livelock is a bug
    while (!pred()) {
        if (now != last) last = now, stuck = 0;
        else if (++stuck > 100000) {
            auto dl = [](tcp::Connection* c) { return c && c->next_deadline() ? c->next_deadline()->count() : -1; };
            FAIL("virtual time stuck at " << now.count() << " us; deadlines A " << dl(conn_a.get())
                                          << " B " << dl(conn_b.get()) << " link "
                                          << impl->link->next_deadline().value_or(Time(-1)).count());
            return false;
        }
        // The next event: a delivery or a timer.
        std::optional<Time> next = impl->link->next_deadline();
        for (auto* c : {conn_a.get(), conn_b.get()})
            if (c)
                if (auto d = c->next_deadline(); d && (!next || *d < *next)) next = d;
        if (!next || *next > end) return pred();
        now = std::max(now, *next);
        out_a.now = out_b.now = now;
        for (l2::Side to : {l2::Side::B, l2::Side::A}) {
            while (impl->link->poll(to, now, impl->rx)) {
                auto ipv = ip::parse_ipv4(impl->rx);
                if (!ipv.ok()) {
                    ++corrupt_dropped;
                    continue;
                }
                auto parsed = tcp::parse(ipv->payload, ipv->header.src, ipv->header.dst, true);
                if (!parsed.ok() || ipv->header.protocol != ip::kProtoTcp) {
                    ++corrupt_dropped;
                    continue;
                }
                if (on_received) on_received(to, parsed.value);
                if (to == l2::Side::B) {
                    if (!conn_b) {
                        const auto& h = parsed->header;
                        if (h.has(tcp::flag::SYN) && !h.has(tcp::flag::ACK)) {
                            tcp::Tuple t{kIpB, h.dst_port, kIpA, h.src_port};
                            conn_b = tcp::Connection::accept(t, cfg_b, iss_b, parsed.value, now, out_b);
                            conn_b->set_observer(observer_b);
                        }
                    } else {
                        conn_b->on_segment(parsed.value, now);
                    }
                } else if (conn_a) {
                    conn_a->on_segment(parsed.value, now);
                }
            }
        }
        for (auto* c : {conn_a.get(), conn_b.get()})
            if (c)
                if (auto d = c->next_deadline(); d && *d <= now) c->on_timer(now);
        drain_reads();
        // The deliveries of one instant are one receive batch (a no-op
        // unless tcp::Config::ack_per_batch).
        for (auto* c : {conn_a.get(), conn_b.get()})
            if (c) c->flush_ack(now);
    }
    return true;
}

bool Pair::open(tcp::Duration limit) {
    a_to_b.seed = seed;
    b_to_a.seed = seed * 7919 + 1;
    impl->link = std::make_unique<l2::SimLink>(a_to_b, b_to_a);
    out_a.now = now;
    conn_a = tcp::Connection::connect(tcp::Tuple{kIpA, 40000, kIpB, 80}, cfg_a, iss_a, now, out_a);
    conn_a->set_observer(observer_a);
    return run_until(
        [&] {
            return conn_a->state() == tcp::State::Established && conn_b &&
                   conn_b->state() == tcp::State::Established;
        },
        limit);
}

bool Pair::transfer(const std::vector<std::uint8_t>& a_data, const std::vector<std::uint8_t>& b_data,
                    tcp::Duration limit) {
    std::size_t sent_a = 0, sent_b = 0;
    const std::size_t base_a = got_a.size(), base_b = got_b.size();
    auto pump = [&] {
        if (sent_a < a_data.size())
            sent_a += conn_a->send(base::Bytes(a_data).subspan(sent_a), now);
        if (sent_b < b_data.size())
            sent_b += conn_b->send(base::Bytes(b_data).subspan(sent_b), now);
        return got_b.size() - base_b >= a_data.size() && got_a.size() - base_a >= b_data.size();
    };
    bool ok = run_until(pump, limit);
    if (!ok) return false;
    return std::equal(a_data.begin(), a_data.end(), got_b.begin() + static_cast<std::ptrdiff_t>(base_b)) &&
           std::equal(b_data.begin(), b_data.end(), got_a.begin() + static_cast<std::ptrdiff_t>(base_a)) &&
           got_b.size() - base_b == a_data.size() && got_a.size() - base_a == b_data.size();
}

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 r(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(r());
    return v;
}

}  // namespace sim
