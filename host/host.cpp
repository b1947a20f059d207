// The host's construction, interfaces, timers and counters. Packets in:
// input.cpp and tcp_input.cpp; out: output.cpp; the TCP application side:
// tcp_sockets.cpp; UDP and ping sockets: datagram.cpp.
#include "host/host.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "host/internal.hpp"
#include "ip/icmp_responder.hpp"
#include "ip/ipv4.hpp"

namespace host {

Host::Host(Config cfg)
    : cfg_(std::move(cfg)),
      isn_(cfg_.isn_key),
      cookies_(cfg_.isn_key),
      // RFC 1122 3.3.2: a datagram whose reassembly timed out draws Time
      // Exceeded (code 1) if its first fragment had come.
      reassembler_(cfg_.reassembly,
                   [this](base::Bytes quote) {
                       send_icmp_error(nullptr, ip::icmp_type::TimeExceeded,
                                       ip::time_exceeded::Reassembly, quote, false, now_);
                   }),
      tx_(kBufferSize),
      icmp_(kBufferSize),
      frag_(kBufferSize),
      arp_(kBufferSize),
      fwd_(cfg_.forward ? kBufferSize : 0) {
    spare_timers_.reserve(kSpareTimers);
}

Host::~Host() = default;

int Host::add_interface(const InterfaceConfig& ic, FrameSink& sink) {
    auto n = std::make_unique<Interface>();
    n->index = static_cast<int>(ifaces_.size());
    n->cfg = ic;
    n->sink = &sink;
    Interface& nif = *n;
    ifaces_.push_back(std::move(n));
    addrs_.push_back({ic.addr, ic.loopback});
    if (!cfg_.kernel_owns_addresses) routes_.add_connected(ic.addr, nif.index);
    if (nif.ethernet()) {
        l2::ArpSink& sink_of_arp = *this;
        nif.arp = std::make_unique<l2::ArpCache>(ic.mac, ic.addr.addr, sink_of_arp, cfg_.arp);
        // RFC 5227 2.3: announce our address, so neighbours that knew
        // another MAC for it (an earlier run) update their caches.
        nif.arp->announce();
    }
    return nif.index;
}

bool Host::set_default_gateway(std::uint32_t gateway) { return routes_.set_default_gateway(gateway); }

bool Host::add_route_via(std::uint32_t dst, std::uint8_t len, std::uint32_t gateway) {
    return routes_.add_via(dst, len, gateway);
}

void Host::add_route(std::uint32_t dst, std::uint8_t len, std::uint32_t gateway, int ifindex) {
    routes_.add_route(dst, len, gateway, ifindex);
}

const l2::ArpCache* Host::arp(int ifindex) const {
    if (ifindex < 0 || static_cast<std::size_t>(ifindex) >= ifaces_.size()) return nullptr;
    return ifaces_[static_cast<std::size_t>(ifindex)]->arp.get();
}

std::optional<std::uint32_t> Host::source_for(std::uint32_t dst) const {
    if (cfg_.kernel_owns_addresses) return std::nullopt;
    return ip::source_for(routes_, addrs_, dst);
}

std::uint16_t Host::mss_for(std::uint32_t dst) const {
    const std::size_t mtu = path_mtu(dst, link_mtu_for(dst));
    // RFC 9293 3.7.1: MSS = MTU - 20 (IP) - 20 (TCP); RFC 879 for why. An
    // IPv4 packet is at most 65535 bytes (RFC 791), whatever the link's MTU
    // (loopback's is 65536).
    const std::size_t link_mss = mtu > 40 ? std::min<std::size_t>(mtu, 65535) - 40 : 536;
    return static_cast<std::uint16_t>(std::min<std::size_t>(cfg_.tcp.mss, link_mss));
}

tcp::Config Host::tcp_config_for(std::uint32_t dst) const {
    tcp::Config c = cfg_.tcp;
    c.mss = mss_for(dst);
    const Interface* nif = iface_for(dst);
    // Super-segments only where the device cuts them up (TSO); elsewhere a
    // segment is one MSS.
    c.max_send_packet = nif && gso_toward(*nif, dst)
                            ? static_cast<std::uint32_t>(std::min<std::size_t>(nif->max_send(), 65535))
                            : 0;
    return c;
}

std::optional<RouteInfo> Host::local_gso_route(const Interface& nif, std::uint32_t dst) const {
    // Raw mode: the raw socket takes nothing longer than the route's MTU
    // (raw(7)); only the device's way out through lo takes super-segments.
    if (!nif.cfg.gso_to_local || !cfg_.kernel_route || !nif.sink->gso_to_local_now()) return std::nullopt;
    auto r = cfg_.kernel_route(dst, now_);
    if (!r || !r->local) return std::nullopt;
    return r;
}

bool Host::gso_toward(const Interface& nif, std::uint32_t dst) const {
    if (!cfg_.kernel_owns_addresses) return nif.max_send() > nif.ip_mtu();
    return local_gso_route(nif, dst).has_value();
}

bool Host::device_cuts(const Interface& nif, const ip::Egress& e, std::size_t len) const {
    if (!cfg_.kernel_owns_addresses) return nif.device_cuts(len, e);
    if (len > nif.max_send()) return false;
    // One look at the route per super-segment: longer than its MTU (as
    // link_mtu_for has it), and local.
    const auto r = local_gso_route(nif, e.next_hop);
    return r && len > std::min(r->mtu, nif.ip_mtu());
}

const Host::Interface* Host::iface_for(std::uint32_t dst) const {
    if (auto hop = routes_.lookup(dst)) return ifaces_[static_cast<std::size_t>(hop->ifindex)].get();
    return ifaces_.empty() ? nullptr : ifaces_.front().get();
}

std::size_t Host::link_mtu_for(std::uint32_t dst) const {
    const Interface* nif = iface_for(dst);
    const std::size_t mtu = nif ? nif->ip_mtu() : 65535;
    if (cfg_.kernel_owns_addresses && cfg_.kernel_route)
        if (auto route = cfg_.kernel_route(dst, now_)) return std::min(route->mtu, mtu);
    return mtu;
}

std::size_t Host::path_mtu(std::uint32_t dst, std::size_t link_mtu) const {
    auto it = pmtu_.find(dst);
    return it == pmtu_.end() ? link_mtu : std::min<std::size_t>(link_mtu, it->second.mtu);
}

std::optional<std::uint32_t> Host::path_mtu_estimate(std::uint32_t dst) const {
    auto it = pmtu_.find(dst);
    if (it == pmtu_.end()) return std::nullopt;
    return it->second.mtu;
}

// RFC 1191 6.3: an estimate that has aged out is dropped, and the
// connections to that destination go back to their full size; if the path
// is still narrow, the next "fragmentation needed" lowers it again.
void Host::age_path_mtus(Time now) {
    for (auto it = pmtu_.begin(); it != pmtu_.end();) {
        if (it->second.expires > now) {
            ++it;
            continue;
        }
        const std::uint32_t dst = it->first;
        it = pmtu_.erase(it);
        LOG(ip, debug) << "path MTU estimate for " << ip::addr_to_string(dst) << " expired (RFC 1191 6.3)";
        const auto mtu = static_cast<std::uint32_t>(std::min<std::size_t>(link_mtu_for(dst), 65535));
        for (auto& [id, e] : conns_)
            if (e->tuple.remote_ip == dst && !e->detached) e->conn->on_path_mtu(mtu, now);
    }
}

bool Host::holds_port(std::uint32_t addr, std::uint16_t port) const {
    return local_ports_.count({addr, port}) > 0 || local_ports_.count({0, port}) > 0;
}

void Host::release_local(std::uint32_t addr, std::uint16_t port) {
    if (auto it = local_ports_.find({addr, port}); it != local_ports_.end() && --it->second <= 0)
        local_ports_.erase(it);
}

void Host::changed(SocketId id) {
    if (std::find(changed_.begin(), changed_.end(), id) == changed_.end()) changed_.push_back(id);
}

void Host::take_changed(std::vector<SocketId>& out) {
    out.clear();
    out.swap(changed_);
}

std::optional<Time> Host::next_deadline() const {
    std::optional<Time> t = reassembler_.next_deadline();
    auto earlier = [&t](std::optional<Time> d) {
        if (d && (!t || *d < *t)) t = d;
    };
    if (!timers_.empty()) earlier(timers_.begin()->first);
    earlier(trim_at_);
    for (const auto& [dst, p] : pmtu_) earlier(p.expires);
    for (const auto& n : ifaces_)
        if (n->arp) earlier(n->arp->next_deadline());
    return t;
}

void Host::poll(Time now) {
    now_ = now;
    if (auto d = reassembler_.next_deadline(); d && *d <= now) reassembler_.on_timer(now);
    age_path_mtus(now);
    if (trim_at_ && *trim_at_ <= now) trim_buffers(now);
    for (auto& n : ifaces_)
        if (n->arp)
            if (auto d = n->arp->next_deadline(); d && *d <= now) n->arp->on_timer(now);
    // Take the due ones first: each is handled once per call even if it
    // asks for a deadline that is already past.
    due_.clear();
    while (!timers_.empty() && timers_.begin()->first <= now) {
        due_.push_back(timers_.begin()->second);
        keep_spare(timers_.extract(timers_.begin()));
    }
    for (auto id : due_) {
        Conn* e = find(id);
        if (!e) continue;
        e->armed.reset();
        if (e->app_deadline && *e->app_deadline <= now) on_app_deadline(*e, now);
        if (auto d = e->conn->next_deadline(); d && *d <= now) e->conn->on_timer(now);
        settle(*e);
    }
}

std::size_t Host::end_of_batch(Time now) {
    now_ = now;
    std::size_t sent = 0;
    // Only the connections that took data this batch: no scan of them all.
    // One that went away meanwhile is simply not found.
    for (SocketId id : acks_owed_) {
        Conn* e = find(id);
        if (!e) continue;
        e->ack_listed = false;
        if (e->detached || !e->conn->ack_owed()) continue;
        e->conn->flush_ack(now);
        ++sent;
        settle(*e);  // the delayed-ACK deadline went with it
    }
    acks_owed_.clear();
    return sent;
}

void Host::shutdown(Time now) {
    now_ = now;
    for (auto& [id, e] : conns_) {
        const auto st = e->conn->state();
        // We cannot keep the connection going once the process exits: tell
        // the peer with an RST rather than leave it hanging.
        if (st != tcp::State::Closed && st != tcp::State::TimeWait) e->conn->abort(now);
    }
    conns_.clear();
    by_tuple_.clear();
    listeners_.clear();
    dgrams_.clear();
    timers_.clear();
    trim_at_.reset();
    local_ports_.clear();
    changed_.clear();
    LOG(stack, debug) << "host stopped: " << counters_;
}

Counters Host::counters() const {
    Counters c = counters_;
    const auto& r = reassembler_.counters();
    c.reassembly_dropped = r.no_memory + r.too_long + r.malformed;
    c.reassembly_evicted = r.evicted;
    c.reassembly_timed_out = r.timed_out;
    c.reassembly_bytes = reassembler_.bytes_in_use();
    return c;
}

}  // namespace host
