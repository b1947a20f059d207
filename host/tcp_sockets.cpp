// The connections' bookkeeping and the application side of TCP: the
// listeners' queues, the application's deadlines (connect and close
// timeouts, orphans), the timers, and when an entry may be freed.
#include <algorithm>

#include "base/addr.hpp"
#include "base/log.hpp"
#include "host/internal.hpp"
#include "ip/ipv4.hpp"

namespace host {

namespace {

// An orphan (the application let go of it) that never finishes closing,
// e.g. a peer that never sends its FIN, is reset after this long, like
// Linux's tcp_fin_timeout for FIN-WAIT-2 orphans.
constexpr Duration kOrphanTimeout = std::chrono::seconds(60);
// How often the memory of idle connections' empty buffers is given back: a
// buffer unused for one to two periods is freed.
constexpr Duration kTrimPeriod = std::chrono::seconds(1);


}  // namespace

Host::Conn* Host::find(SocketId id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
}

const Host::Conn* Host::find(SocketId id) const {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
}

Host::Conn& Host::add(std::unique_ptr<tcp::Connection> c, Hold hold) {
    auto e = std::make_unique<Conn>();
    e->id = next_id_++;
    e->tuple = c->tuple();
    e->conn = std::move(c);
    e->hold = std::move(hold);
    by_tuple_[e->tuple] = e->id;
    hold_local(e->tuple.local_ip, e->tuple.local_port);
    ++counters_.connections_opened;
    LOG(stack, debug) << "connection " << e->id << " " << base::endpoint_to_string(e->tuple.local_ip, e->tuple.local_port)
                      << " <-> " << base::endpoint_to_string(e->tuple.remote_ip, e->tuple.remote_port) << " created";
    auto& ref = *e;
    conns_.emplace(ref.id, std::move(e));
    return ref;
}

Err Host::error_of(const Conn& e) const {
    if (e.app_error != Err::None) return e.app_error;
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

// After anything touched a connection: move it through its listener's
// queues, re-arm its timer, free it when nobody needs it any more.
void Host::settle(Conn& e) {
    const std::uint32_t ev = e.conn->take_events();
    const auto st = e.conn->state();
    // A waiter may be waiting for a state (a close for TIME-WAIT) that
    // comes with no event of its own.
    if (ev != 0 || st != e.reported) changed(e.id);
    e.reported = st;
    if (!trim_at_ && e.conn->buffer_bytes() > 0) trim_at_ = now_ + kTrimPeriod;
    if ((ev & tcp::event::Established) && !e.established) {
        e.established = true;
        if (e.deadline_kind == Conn::Deadline::Connect) {
            e.deadline_kind = Conn::Deadline::None;
            e.app_deadline.reset();
        }
        if (e.owner == Conn::Owner::Listener) {
            if (auto it = listeners_.find(e.listener); it != listeners_.end()) {
                it->second->l.established(e.id);  // SYN queue -> accept queue
                changed(e.listener);
            }
        }
    }
    if (st == tcp::State::Closed) {
        detach(e);
        if (e.owner == Conn::Owner::Listener) {
            // Died before accept(): out of the SYN queue or the accept queue.
            if (auto it = listeners_.find(e.listener); it != listeners_.end())
                it->second->l.died(e.id, e.established);
            destroy(e);
            return;
        }
        if (e.owner == Conn::Owner::Released) {
            destroy(e);
            return;
        }
    }
    schedule(e);
}

// CLOSED: the tuple may be used again and the port given back, but the entry
// stays while the application may still ask for its error.
void Host::detach(Conn& e) {
    if (e.detached) return;
    e.detached = true;
    changed(e.id);
    if (auto it = by_tuple_.find(e.tuple); it != by_tuple_.end() && it->second == e.id)
        by_tuple_.erase(it);
    release_local(e.tuple.local_ip, e.tuple.local_port);
    if (e.armed) disarm(*e.armed, e.id);
    e.armed.reset();
    e.app_deadline.reset();
    e.hold.reset();
    ++counters_.connections_closed;
    const auto& s = e.conn->stats();
    closed_stats_ += s;
    LOG(stack, debug) << "connection " << e.id << " closed (" << tcp::to_string(e.conn->error())
                      << "): segs in " << s.segs_in << " out " << s.segs_out << ", bytes in "
                      << s.bytes_in << " out " << s.bytes_out << ", retransmits " << s.retransmits
                      << " (rto " << s.rto_timeouts << ", fast " << s.fast_retransmits << ")";
}

void Host::destroy(Conn& e) {
    detach(e);
    conns_.erase(e.id);  // e is gone from here on
}

void Host::schedule(Conn& e) {
    std::optional<Time> t;
    if (!e.detached) {
        t = e.conn->next_deadline();
        if (e.app_deadline && (!t || *e.app_deadline < *t)) t = e.app_deadline;
    }
    if (t == e.armed) return;
    if (e.armed) disarm(*e.armed, e.id);
    e.armed = t;
    if (t) arm(*t, e.id);
}

// A deadline moves with nearly every segment: the set's nodes are kept
// and reused (node handles), so moving one costs no allocation.
void Host::arm(Time t, SocketId id) {
    if (spare_timers_.empty()) {
        timers_.insert({t, id});
        return;
    }
    auto node = std::move(spare_timers_.back());
    spare_timers_.pop_back();
    node.value() = {t, id};
    timers_.insert(std::move(node));
}

void Host::disarm(Time t, SocketId id) { keep_spare(timers_.extract({t, id})); }

void Host::keep_spare(Timers::node_type node) {
    if (node && spare_timers_.size() < kSpareTimers) spare_timers_.push_back(std::move(node));
}

void Host::on_app_deadline(Conn& e, Time now) {
    const auto kind = e.deadline_kind;
    e.app_deadline.reset();
    e.deadline_kind = Conn::Deadline::None;
    switch (kind) {
        case Conn::Deadline::Connect:
            LOG(stack, debug) << "connection " << e.id << ": connect timed out";
            e.app_error = Err::TimedOut;
            e.conn->abort(now);
            break;
        case Conn::Deadline::Close:
            LOG(stack, debug) << "connection " << e.id << ": close timed out, resetting";
            e.app_error = Err::TimedOut;
            e.conn->abort(now);
            break;
        case Conn::Deadline::Orphan:
            if (e.conn->state() == tcp::State::TimeWait) break;
            LOG(stack, debug) << "connection " << e.id << ": orphan never closed, resetting";
            e.conn->abort(now);
            break;
        case Conn::Deadline::None:
            break;
    }
    changed(e.id);
}

// ---- the application side ----

Result<SocketId> Host::listen(std::uint32_t addr, std::uint16_t port, int backlog, Hold hold) {
    for (const auto& [id, l] : listeners_)
        if (l->l.port() == port && (l->l.addr() == addr || l->l.addr() == 0 || addr == 0))
            return {0, Err::AddrInUse};
    const SocketId id = next_id_++;
    auto l = std::make_unique<Listen>(id, addr, port, static_cast<std::size_t>(std::max(backlog, 1)),
                                      std::move(hold));
    LOG(stack, debug) << "listening on " << base::endpoint_to_string(addr, port) << ", backlog " << l->l.backlog()
                      << ", SYN queue " << l->l.syn_backlog();
    listeners_.emplace(id, std::move(l));
    hold_local(addr, port);
    return {id, Err::None};
}

void Host::close_listener(SocketId id, Time now) {
    auto it = listeners_.find(id);
    if (it == listeners_.end()) return;
    release_local(it->second->l.addr(), it->second->l.port());
    listeners_.erase(it);
    // Like Linux: connections nobody accepted are reset.
    std::vector<SocketId> orphans;
    for (auto& [cid, e] : conns_)
        if (e->owner == Conn::Owner::Listener && e->listener == id) orphans.push_back(cid);
    for (auto cid : orphans) {
        Conn* e = find(cid);
        e->owner = Conn::Owner::Released;
        e->conn->abort(now);
        settle(*e);
    }
}

Result<Accepted> Host::accept(SocketId lid) {
    auto it = listeners_.find(lid);
    if (it == listeners_.end()) return {{}, Err::Closed};
    while (auto id = it->second->l.accept()) {
        Conn* e = find(*id);
        if (!e) continue;
        e->owner = Conn::Owner::App;
        return {{e->id, e->tuple}, Err::None};
    }
    return {{}, Err::None};
}

Result<SocketId> Host::connect(const tcp::Tuple& t, Hold hold, Time now, Duration timeout) {
    now_ = now;
    if (by_tuple_.count(t)) return {0, Err::AddrInUse};
    auto cfg = tcp_config_for(t.remote_ip);
    auto conn = tcp::Connection::connect(t, cfg, isn_.next(t, now), now, *this, cfg_.observer);
    Conn& e = add(std::move(conn), std::move(hold));
    e.owner = Conn::Owner::App;
    if (timeout.count() > 0) {
        e.app_deadline = now + timeout;
        e.deadline_kind = Conn::Deadline::Connect;
    }
    const SocketId id = e.id;
    settle(e);
    return {id, Err::None};
}

std::size_t Host::send(SocketId id, base::Bytes data, Time now) {
    now_ = now;
    Conn* e = find(id);
    if (!e || e->write_shut || e->detached) return 0;
    const std::size_t n = e->conn->send(data, now);
    settle(*e);
    return n;
}

std::size_t Host::recv(SocketId id, base::MutBytes buf, Time now) {
    now_ = now;
    Conn* e = find(id);
    if (!e) return 0;
    const std::size_t n = e->conn->recv(buf, now);
    settle(*e);
    return n;
}

base::SplitBytes Host::recv_view(SocketId id) const {
    const Conn* e = find(id);
    return e ? e->conn->recv_view() : base::SplitBytes{};
}

std::size_t Host::consume(SocketId id, std::size_t n, Time now) {
    now_ = now;
    Conn* e = find(id);
    if (!e) return 0;
    n = e->conn->consume(n, now);
    settle(*e);
    return n;
}

base::SplitMutBytes Host::send_room(SocketId id, std::size_t max) {
    Conn* e = find(id);
    if (!e || e->write_shut || e->detached) return {};
    return e->conn->send_room(max);
}

std::size_t Host::commit(SocketId id, std::size_t n, Time now) {
    now_ = now;
    Conn* e = find(id);
    if (!e || e->write_shut || e->detached) return 0;
    n = e->conn->commit(n, now);
    settle(*e);
    return n;
}

void Host::shutdown_write(SocketId id, Time now) {
    now_ = now;
    Conn* e = find(id);
    if (!e || e->detached || e->write_shut) return;
    e->write_shut = true;
    e->conn->shutdown_send(now);
    settle(*e);
}

void Host::close(SocketId id, Time now, Duration timeout) {
    now_ = now;
    Conn* e = find(id);
    if (!e || e->detached) return;
    e->write_shut = true;
    e->conn->close(now);
    if (timeout.count() > 0) {
        e->app_deadline = now + timeout;
        e->deadline_kind = Conn::Deadline::Close;
    }
    settle(*e);
}

void Host::abort(SocketId id, Time now) {
    now_ = now;
    Conn* e = find(id);
    if (!e) return;
    e->conn->abort(now);
    settle(*e);
}

void Host::release(SocketId id, Time now) {
    now_ = now;
    Conn* e = find(id);
    if (!e) return;
    e->owner = Conn::Owner::Released;
    if (!e->detached) {
        if (!e->write_shut) {
            e->write_shut = true;
            e->conn->close(now);  // a dropped handle closes in the background
        }
        if (e->deadline_kind != Conn::Deadline::Close) {
            e->app_deadline = now + kOrphanTimeout;
            e->deadline_kind = Conn::Deadline::Orphan;
        }
    }
    settle(*e);
}

std::optional<TcpStatus> Host::status(SocketId id) const {
    const Conn* e = find(id);
    if (!e) return std::nullopt;
    TcpStatus s;
    s.state = e->conn->state();
    s.established = e->established;
    s.readable = e->conn->readable();
    s.writable = e->conn->writable();
    s.eof = e->conn->eof();
    const bool failed = e->app_error != Err::None || e->conn->error() != tcp::Error::None;
    if (failed)
        s.error = error_of(*e);
    else if (s.state == tcp::State::Closed)
        s.error = Err::Closed;
    return s;
}

bool Host::write_shut(SocketId id) const {
    const Conn* e = find(id);
    return !e || e->write_shut;
}

ConnectionList Host::connection_list() const {
    ConnectionList l;
    for (const auto& [id, e] : conns_)
        if (!e->detached) l.live.push_back({id, e->tuple, e->conn->info(), e->conn->stats()});
    std::sort(l.live.begin(), l.live.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    l.closed = counters_.connections_closed;
    l.closed_stats = closed_stats_;
    return l;
}

void Host::trim_buffers(Time now) {
    trim_at_.reset();
    for (auto& [id, e] : conns_) {
        e->conn->trim_buffers();
        if (!trim_at_ && e->conn->buffer_bytes() > 0) trim_at_ = now + kTrimPeriod;
    }
}

}  // namespace host
