// The connection bookkeeping of the event loop: parked requests, listener
// queues, timers, and when an entry may be freed. Packets in: ingress.cpp;
// packets out: egress.cpp.
#include "stack/core.hpp"

#include "base/log.hpp"
#include "ip/ipv4.hpp"

namespace stack {

namespace {

// An orphan (its Socket handle gone) that never finishes closing, e.g. a
// peer that never sends its FIN, is reset after this long, like Linux's
// tcp_fin_timeout for FIN-WAIT-2 orphans.
constexpr tcp::Duration kOrphanTimeout = std::chrono::seconds(60);

std::string endpoint(std::uint32_t a, std::uint16_t p) {
    return ip::addr_to_string(a) + ":" + std::to_string(p);
}

}  // namespace

Core::Core(std::vector<std::unique_ptr<Netif>> netifs, ip::RouteTable routes, bool kernel_owns,
           std::shared_ptr<Firewall> fw, const StackOptions& opts)
    : kernel_owns_addresses(kernel_owns),
      firewall(std::move(fw)),
      ports(PortTable::create(kernel_owns, firewall)),
      udp_ports(PortTable::create(false, nullptr)),
      netifs_(std::move(netifs)),
      routes_(std::move(routes)),
      // RFC 1122 3.3.2: a datagram whose reassembly timed out draws Time
      // Exceeded (code 1) if its first fragment had come.
      reassembler_({},
                   [this](base::Bytes quote) {
                       send_icmp_error(nullptr, ip::icmp_type::TimeExceeded,
                                       ip::time_exceeded::Reassembly, quote, false);
                   }),
      cfg_(opts.tcp),
      rx_budget_(opts.rx_budget),
      rx_buf_(65536 + 256),
      tx_buf_(65536 + 256),
      icmp_buf_(65536 + 256),
      frag_buf_(65536 + 256),
      frame_buf_(65536 + 256) {
    for (auto& n : netifs_) {
        if (n->ethernet()) {
            n->arp_port = std::make_unique<ArpPort>(*this, n->index);
            n->arp = std::make_unique<l2::ArpCache>(n->mac, n->addr.addr, *n->arp_port);
            // RFC 5227 2.3: announce our address, so neighbours that knew
            // another MAC for it (an earlier run) update their caches.
            n->arp->announce();
        }
        loop.watch(n->dev->fd(), [this, nif = n.get()] { on_readable(*nif); });
    }
    loop.on_timer([this] { on_timer(); });
}

std::optional<std::uint32_t> Core::source_for(std::uint32_t dst) const {
    const auto hop = routes_.lookup(dst);
    if (!hop) return std::nullopt;
    return netifs_[static_cast<std::size_t>(hop->ifindex)]->addr.addr;
}

std::uint16_t Core::mss_for(std::uint32_t dst) const {
    std::size_t mtu = 65535;
    if (auto hop = routes_.lookup(dst)) mtu = netifs_[static_cast<std::size_t>(hop->ifindex)]->ip_mtu();
    else if (!netifs_.empty()) mtu = netifs_.front()->ip_mtu();
    // RFC 9293 3.7.1: MSS = MTU - 20 (IP) - 20 (TCP); RFC 879 for why.
    const std::size_t link_mss = mtu > 40 ? mtu - 40 : 536;
    return static_cast<std::uint16_t>(std::min<std::size_t>(cfg_.mss, link_mss));
}

Core::~Core() = default;

ConnEntry* Core::find(std::uint64_t id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
}

ConnEntry& Core::add(std::unique_ptr<tcp::Connection> c, std::shared_ptr<PortLease> lease) {
    auto e = std::make_unique<ConnEntry>();
    e->id = next_id_++;
    e->tuple = c->tuple();
    e->conn = std::move(c);
    e->lease = std::move(lease);
    by_tuple_[e->tuple] = e->id;
    ++counters_.connections_opened;
    LOG(stack, debug) << "connection " << e->id << " " << endpoint(e->tuple.local_ip, e->tuple.local_port)
                      << " <-> " << endpoint(e->tuple.remote_ip, e->tuple.remote_port) << " created";
    auto& ref = *e;
    conns_.emplace(ref.id, std::move(e));
    return ref;
}

Err Core::error_of(const ConnEntry& e) const {
    switch (e.conn->error()) {
        case tcp::Error::None: return Err::Closed;
        case tcp::Error::Refused: return Err::Refused;
        case tcp::Error::Reset: return Err::Reset;
        case tcp::Error::TimedOut: return Err::TimedOut;
        case tcp::Error::Aborted: return Err::Aborted;
        case tcp::Error::Unreachable: return Err::Unreachable;
    }
    return Err::Closed;
}

void Core::serve_recvs(ConnEntry& e) {
    while (!e.recvs.empty()) {
        auto& r = e.recvs.front();
        if (e.conn->readable() > 0) {
            r.reply->set_value({e.conn->recv(r.buf, loop.now()), Err::None});
        } else if (e.conn->eof()) {
            r.reply->set_value({0, Err::None});  // end of stream
        } else if (e.conn->error() != tcp::Error::None || e.conn->state() == tcp::State::Closed) {
            r.reply->set_value({0, error_of(e)});
        } else {
            return;  // nothing yet: stays parked until the next settle()
        }
        e.recvs.pop_front();
    }
}

void Core::serve_sends(ConnEntry& e) {
    while (!e.sends.empty()) {
        auto& s = e.sends.front();
        const auto st = e.conn->state();
        // RFC 9293 3.10.2: SEND is allowed in ESTABLISHED and CLOSE-WAIT.
        if (e.conn->error() != tcp::Error::None ||
            (st != tcp::State::Established && st != tcp::State::CloseWait)) {
            s.reply->set_value(error_of(e));
        } else {
            s.done += e.conn->send(s.data.subspan(s.done), loop.now());
            if (s.done < s.data.size()) return;  // buffer full: wait for room
            s.reply->set_value(Err::None);
        }
        e.sends.pop_front();
    }
}

void Core::settle(ConnEntry& e) {
    const std::uint32_t ev = e.conn->take_events();
    const auto st = e.conn->state();

    if ((ev & tcp::event::Established) && !e.established) {
        e.established = true;
        if (e.connect_reply) {
            e.connect_reply->set_value({{e.id, e.tuple}, Err::None});
            e.connect_reply.reset();
            e.app_deadline.reset();
        }
        if (e.owner == ConnEntry::Owner::Listener) {
            // SYN queue -> accept queue.
            if (auto it = listeners_.find(e.listener); it != listeners_.end()) {
                auto& l = it->second;
                --l.half_open;
                l.ready.push_back(e.id);
                while (!l.ready.empty() && !l.accepts.empty()) {
                    auto* c = find(l.ready.front());
                    l.ready.pop_front();
                    if (!c) continue;
                    c->owner = ConnEntry::Owner::App;
                    l.accepts.front()->set_value({{c->id, c->tuple}, Err::None});
                    l.accepts.pop_front();
                }
            }
        }
    }

    serve_recvs(e);
    serve_sends(e);

    // An orderly close is complete when both FINs are acknowledged.
    if (!e.close_replies.empty() && (st == tcp::State::TimeWait || st == tcp::State::Closed)) {
        const Err r = e.conn->error() == tcp::Error::None ? Err::None : error_of(e);
        for (auto& c : e.close_replies) c->set_value(r);
        e.close_replies.clear();
        e.app_deadline.reset();
    }

    if (st == tcp::State::Closed) {
        if (e.connect_reply) {
            const Err r = e.conn->error() == tcp::Error::None ? Err::Refused : error_of(e);
            e.connect_reply->set_value({{}, r});
            e.connect_reply.reset();
            e.owner = ConnEntry::Owner::Released;  // no handle will ever exist
        }
        detach(e);
        if (e.owner == ConnEntry::Owner::Listener) {
            // Died before accept(): out of the SYN queue or the accept queue.
            if (auto it = listeners_.find(e.listener); it != listeners_.end()) {
                auto& l = it->second;
                if (!e.established)
                    --l.half_open;
                else
                    std::erase(l.ready, e.id);
            }
            destroy(e);
            return;
        }
        if (e.owner == ConnEntry::Owner::Released) {
            destroy(e);
            return;
        }
    }
    schedule(e);
}

// CLOSED: the tuple may be used again and the port given back, but the entry
// stays while a Socket handle may still ask it for its error.
void Core::detach(ConnEntry& e) {
    if (e.detached) return;
    e.detached = true;
    if (auto it = by_tuple_.find(e.tuple); it != by_tuple_.end() && it->second == e.id)
        by_tuple_.erase(it);
    if (e.armed) timers_.erase({*e.armed, e.id});
    e.armed.reset();
    e.app_deadline.reset();
    e.lease.reset();
    ++counters_.connections_closed;
    const auto& s = e.conn->stats();
    LOG(stack, debug) << "connection " << e.id << " closed (" << tcp::to_string(e.conn->error())
                      << "): segs in " << s.segs_in << " out " << s.segs_out << ", bytes in "
                      << s.bytes_in << " out " << s.bytes_out << ", retransmits " << s.retransmits
                      << " (rto " << s.rto_timeouts << ", fast " << s.fast_retransmits << ")";
}

void Core::destroy(ConnEntry& e) {
    detach(e);
    for (auto& r : e.recvs) r.reply->set_value({0, Err::Closed});
    for (auto& s : e.sends) s.reply->set_value(Err::Closed);
    for (auto& c : e.close_replies) c->set_value(Err::Closed);
    conns_.erase(e.id);  // e is gone from here on
}

void Core::schedule(ConnEntry& e) {
    std::optional<tcp::Time> t;
    if (!e.detached) {
        t = e.conn->next_deadline();
        if (e.app_deadline && (!t || *e.app_deadline < *t)) t = e.app_deadline;
    }
    if (t == e.armed) return;
    if (e.armed) timers_.erase({*e.armed, e.id});
    e.armed = t;
    if (t) timers_.insert({*t, e.id});
}

void Core::rearm() {
    std::optional<tcp::Time> t;
    if (!timers_.empty()) t = timers_.begin()->first;
    if (auto h = host_deadline(); h && (!t || *h < *t)) t = h;  // ARP, reassembly
    // Devices holding packets back (--delay) wake us too.
    for (const auto& n : netifs_)
        if (auto d = n->dev->next_deadline(); d && (!t || *d < *t)) t = d;
    loop.set_deadline(t);
}

void Core::on_timer() {
    const tcp::Time now = loop.now();
    for (auto& n : netifs_) n->dev->on_deadline(now);  // held packets that are due go out
    host_timers(now);
    // Take the due ones first: each is handled once per wake-up even if it
    // asks for a deadline that is already past.
    std::vector<std::uint64_t> due;
    while (!timers_.empty() && timers_.begin()->first <= now) {
        due.push_back(timers_.begin()->second);
        timers_.erase(timers_.begin());
    }
    for (auto id : due) {
        ConnEntry* e = find(id);
        if (!e) continue;
        e->armed.reset();
        if (e->app_deadline && *e->app_deadline <= now) {
            e->app_deadline.reset();
            if (e->connect_reply) {
                LOG(stack, debug) << "connection " << id << ": connect timed out";
                e->connect_reply->set_value({{}, Err::TimedOut});
                e->connect_reply.reset();
                e->owner = ConnEntry::Owner::Released;
                e->conn->abort(now);
            } else if (!e->close_replies.empty()) {
                LOG(stack, debug) << "connection " << id << ": close timed out, resetting";
                for (auto& c : e->close_replies) c->set_value(Err::TimedOut);
                e->close_replies.clear();
                e->conn->abort(now);
            } else if (e->owner == ConnEntry::Owner::Released &&
                       e->conn->state() != tcp::State::TimeWait) {
                LOG(stack, debug) << "connection " << id << ": orphan never closed, resetting";
                e->conn->abort(now);
            }
        }
        if (auto d = e->conn->next_deadline(); d && *d <= now) e->conn->on_timer(now);
        settle(*e);
    }
    rearm();
}

// ---- requests from application threads (posted by api.cpp) ----

void Core::do_listen(std::uint32_t addr, std::uint16_t port, std::shared_ptr<PortLease> lease,
                     int backlog, Reply<Result<std::uint64_t>> reply) {
    if (stopping_) return reply->set_value({0, Err::Shutdown});
    ListenerEntry l;
    l.id = next_id_++;
    l.addr = addr;
    l.port = port;
    l.lease = std::move(lease);
    l.backlog = static_cast<std::size_t>(std::max(backlog, 1));
    l.syn_backlog = std::max<std::size_t>(l.backlog, 16);
    LOG(stack, debug) << "listening on " << endpoint(addr, port) << ", backlog " << l.backlog
                      << ", SYN queue " << l.syn_backlog;
    const auto id = l.id;
    listeners_.emplace(id, std::move(l));
    reply->set_value({id, Err::None});
}

void Core::do_close_listener(std::uint64_t id) {
    auto it = listeners_.find(id);
    if (it == listeners_.end()) return;
    for (auto& a : it->second.accepts) a->set_value({{}, Err::Closed});
    listeners_.erase(it);
    // Like Linux: connections nobody accepted are reset.
    std::vector<std::uint64_t> orphans;
    for (auto& [cid, e] : conns_)
        if (e->owner == ConnEntry::Owner::Listener && e->listener == id) orphans.push_back(cid);
    const auto now = loop.now();
    for (auto cid : orphans) {
        ConnEntry* e = find(cid);
        e->owner = ConnEntry::Owner::Released;
        e->conn->abort(now);
        settle(*e);
    }
    rearm();
}

void Core::do_accept(std::uint64_t lid, Reply<Result<Opened>> reply) {
    if (stopping_) return reply->set_value({{}, Err::Shutdown});
    auto it = listeners_.find(lid);
    if (it == listeners_.end()) return reply->set_value({{}, Err::Closed});
    auto& l = it->second;
    while (!l.ready.empty()) {
        ConnEntry* e = find(l.ready.front());
        l.ready.pop_front();
        if (!e) continue;
        e->owner = ConnEntry::Owner::App;
        return reply->set_value({{e->id, e->tuple}, Err::None});
    }
    l.accepts.push_back(std::move(reply));
}

void Core::do_connect(tcp::Tuple t, std::shared_ptr<PortLease> lease, Millis timeout,
                      Reply<Result<Opened>> reply) {
    if (stopping_) return reply->set_value({{}, Err::Shutdown});
    if (by_tuple_.count(t)) return reply->set_value({{}, Err::AddrInUse});
    const auto now = loop.now();
    auto cfg = cfg_;
    cfg.mss = mss_for(t.remote_ip);
    auto conn = tcp::Connection::connect(t, cfg, isn_.next(t, now), now, *this, observer);
    ConnEntry& e = add(std::move(conn), std::move(lease));
    e.owner = ConnEntry::Owner::App;
    e.connect_reply = std::move(reply);
    // 0: no deadline of the application's; the SYN retries decide.
    if (timeout.count() > 0) e.app_deadline = now + std::chrono::duration_cast<tcp::Duration>(timeout);
    settle(e);
    rearm();
}

void Core::do_send(std::uint64_t id, base::Bytes data, Reply<Err> reply) {
    if (stopping_) return reply->set_value(Err::Shutdown);
    ConnEntry* e = find(id);
    if (!e) return reply->set_value(Err::Closed);
    if (e->write_shut) return reply->set_value(Err::Closed);
    e->sends.push_back({data, 0, std::move(reply)});
    settle(*e);
    rearm();
}

void Core::do_recv(std::uint64_t id, base::MutBytes buf, Reply<Result<std::size_t>> reply) {
    if (stopping_) return reply->set_value({0, Err::Shutdown});
    ConnEntry* e = find(id);
    if (!e) return reply->set_value({0, Err::Closed});
    e->recvs.push_back({buf, std::move(reply)});
    settle(*e);
    rearm();
}

void Core::do_shutdown_write(std::uint64_t id, Reply<Err> reply) {
    if (stopping_) return reply->set_value(Err::Shutdown);
    ConnEntry* e = find(id);
    if (!e || e->detached) return reply->set_value(Err::Closed);
    if (!e->write_shut) {
        e->write_shut = true;
        e->conn->shutdown_send(loop.now());
    }
    reply->set_value(Err::None);
    settle(*e);
    rearm();
}

void Core::do_close(std::uint64_t id, Millis timeout, Reply<Err> reply) {
    if (stopping_) return reply->set_value(Err::Shutdown);
    ConnEntry* e = find(id);
    if (!e) return reply->set_value(Err::Closed);
    if (e->detached) {
        return reply->set_value(e->conn->error() == tcp::Error::None ? Err::None : error_of(*e));
    }
    const auto now = loop.now();
    e->write_shut = true;
    e->conn->close(now);
    e->close_replies.push_back(std::move(reply));
    e->app_deadline = now + std::chrono::duration_cast<tcp::Duration>(timeout);
    settle(*e);
    rearm();
}

void Core::do_abort(std::uint64_t id) {
    ConnEntry* e = find(id);
    if (!e || stopping_) return;
    e->conn->abort(loop.now());
    settle(*e);
    rearm();
}

void Core::do_release(std::uint64_t id) {
    ConnEntry* e = find(id);
    if (!e) return;
    e->owner = ConnEntry::Owner::Released;
    if (!e->detached) {
        const auto now = loop.now();
        if (!e->write_shut) {
            e->write_shut = true;
            e->conn->close(now);  // a dropped handle closes in the background
        }
        if (e->close_replies.empty()) e->app_deadline = now + kOrphanTimeout;
    }
    settle(*e);
    rearm();
}

void Core::do_shutdown() {
    stopping_ = true;
    const auto now = loop.now();
    for (auto& [id, l] : listeners_)
        for (auto& a : l.accepts) a->set_value({{}, Err::Shutdown});
    listeners_.clear();
    for (auto& [id, e] : conns_) {
        const auto st = e->conn->state();
        // We cannot keep the connection going once the process exits: tell
        // the peer with an RST rather than leave it hanging.
        if (st != tcp::State::Closed && st != tcp::State::TimeWait) e->conn->abort(now);
        if (e->connect_reply) e->connect_reply->set_value({{}, Err::Shutdown});
        for (auto& r : e->recvs) r.reply->set_value({0, Err::Shutdown});
        for (auto& s : e->sends) s.reply->set_value(Err::Shutdown);
        for (auto& c : e->close_replies) c->set_value(Err::Shutdown);
    }
    conns_.clear();
    by_tuple_.clear();
    for (auto& [id, d] : dgrams_)
        for (auto& r : d->recvs) r.reply->set_value({{}, Err::Shutdown});
    dgrams_.clear();
    timers_.clear();
    loop.set_deadline(std::nullopt);
    LOG(stack, debug) << "stack stopped: " << counters_;
}

}  // namespace stack
