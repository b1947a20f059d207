// The wiring: devices into the host, the clock into its timers, and the
// application requests parked until the host's state answers them.
#include "stack/core.hpp"

#include <random>

#include "base/log.hpp"
#include "os/source_address.hpp"

namespace stack {

namespace {

host::Config host_config(const StackOptions& opts, bool kernel_owns, tcp::Observer* observer,
                         host::ForwardObserver* forward_trace) {
    host::Config c;
    c.tcp = opts.tcp;
    c.tcp.ack_per_batch = opts.ack_per_batch;
    c.kernel_owns_addresses = kernel_owns;
    if (kernel_owns) {
        // The kernel routes in raw mode; its route's MTU sizes our MSS.
        c.kernel_route = [cache = std::make_shared<os::RouteCache>()](std::uint32_t dst, base::Time now) {
            const auto r = cache->get(dst, now);
            return r ? std::optional<host::RouteInfo>({r->mtu, r->local}) : std::nullopt;
        };
    }
    c.observer = observer;
    c.forward = opts.forward && !kernel_owns;
    c.forward_observer = forward_trace;
    // RFC 6528: the ISN function's secret key, fresh for every run.
    std::random_device rd;
    for (auto& k : c.isn_key) k = (std::uint64_t{rd()} << 32) | rd();
    return c;
}

}  // namespace

Core::Core(std::vector<Attached> ifaces, std::uint32_t gateway, bool kernel_owns,
           std::shared_ptr<Firewall> fw, const StackOptions& opts, tcp::Observer* observer,
           std::shared_ptr<host::ForwardObserver> forward_trace)
    : kernel_owns_addresses(kernel_owns),
      firewall(std::move(fw)),
      ports(PortTable::create(kernel_owns, firewall)),
      udp_ports(PortTable::create(false, nullptr)),
      forward_trace_(std::move(forward_trace)),
      host_(host_config(opts, kernel_owns, observer, forward_trace_.get())),
      rx_budget_(opts.rx_budget),
      rx_buf_(65536 + 256) {
    for (auto& a : ifaces) {
        devices_.push_back(std::make_unique<DeviceSink>(std::move(a.device)));
        const int i = host_.add_interface(a.config, *devices_.back());
        if (a.default_route) host_.add_route(0, 0, 0, i);
        loop.watch(devices_.back()->dev->fd(), [this, i] { on_readable(i); });
    }
    if (gateway != 0 && !host_.set_default_gateway(gateway))
        throw StackError("gateway " + ip::addr_to_string(gateway) +
                         " is not on the network of any interface (RFC 1122 3.3.1.1)");
    for (const auto& r : opts.routes)
        if (!host_.add_route_via(r.destination, r.prefix_len, r.gateway))
            throw StackError("route " + ip::addr_to_string(r.destination) + "/" +
                             std::to_string(r.prefix_len) + ": gateway " + ip::addr_to_string(r.gateway) +
                             " is not on the network of any interface (RFC 1122 3.3.1.1)");
    loop.on_timer([this] { on_timer(); });
    // The ACKs owed for this wake-up's segments (after the application had
    // its turn, so a reply or a window update may have carried them), then
    // what the devices batched leaves in one call.
    loop.after_wake([this] {
        const bool acked = host_.end_of_batch(loop.now()) > 0;
        for (auto& d : devices_) d->dev->flush();
        if (acked) rearm();  // their delayed-ACK deadlines went with them
    });
    // Raw mode: the device lets in only segments to the ports we hold.
    if (kernel_owns_addresses)
        ports->watch([this](std::span<const std::uint16_t> held) {
            for (auto& d : devices_) d->dev->accept_ports(held);
        });
}

Core::~Core() {
    if (kernel_owns_addresses) ports->watch(nullptr);
}

void Core::on_readable(int ifindex) {
    l2::Device& dev = *devices_[static_cast<std::size_t>(ifindex)]->dev;
    // Bounded: at most rx_budget_ packets per wake-up, so timers and
    // application requests get their turn during a flood.
    for (std::size_t i = 0; i < rx_budget_ && !stopping_; ++i) {
        auto r = dev.receive(rx_buf_);
        if (!r) break;
        const base::Bytes got{rx_buf_.data(), std::min(r->length, rx_buf_.size())};
        host_.on_frame(ifindex, got, r->checksum_trusted, loop.now());
    }
    settle();
}

void Core::on_timer() {
    const tcp::Time now = loop.now();
    for (auto& d : devices_) d->dev->on_deadline(now);  // held packets that are due go out
    host_.poll(now);
    settle();
}

void Core::rearm() {
    std::optional<tcp::Time> t = host_.next_deadline();
    // Devices holding packets back (--delay) wake us too.
    for (const auto& d : devices_)
        if (auto dd = d->dev->next_deadline(); dd && (!t || *dd < *t)) t = dd;
    loop.set_deadline(stopping_ ? std::nullopt : t);
}

void Core::settle() {
    // Serving a request can change the host again (a read opens the
    // window): go round until nothing changed, a few times at most.
    for (int round = 0; round < 8; ++round) {
        host_.take_changed(changed_);
        if (changed_.empty()) break;
        for (SocketId id : changed_) serve(id);
    }
    // Still changing: come round again once the devices and timers have had
    // their turn, so no change is left unheard until the next packet.
    if (host_.has_changes()) loop.post([this] { settle(); });
    rearm();
}

void Core::serve(SocketId id) {
    if (auto it = tcp_.find(id); it != tcp_.end()) {
        serve_tcp(id, it->second);
        if (it->second.empty()) tcp_.erase(it);
    }
    if (auto it = accepts_.find(id); it != accepts_.end()) {
        serve_accepts(id, it->second);
        if (it->second.empty()) accepts_.erase(it);
    }
    if (auto it = dgram_.find(id); it != dgram_.end()) {
        serve_dgram(id, it->second);
        if (it->second.empty()) dgram_.erase(it);
    }
    // The iterator is not used after the call: the callback may unwatch.
    if (auto it = events_.find(id); it != events_.end()) it->second->on_event(api_, id);
}

void Core::serve_tcp(SocketId id, TcpWaiters& w) {
    const auto now = loop.now();
    auto st = host_.status(id);
    if (!st) {  // the host has forgotten it: nothing will ever answer
        w.answer_all(Err::Closed);
        return;
    }
    if (w.connect && st->established) {
        w.connect->set_value({{id, {}}, Err::None});
        w.connect.reset();
    } else if (w.connect && st->state == tcp::State::Closed) {
        // No handle will ever exist: the host may forget it.
        w.connect->set_value({{}, st->error == Err::Closed ? Err::Refused : st->error});
        w.connect.reset();
        host_.release(id, now);
        return;
    }
    while (!w.recvs.empty()) {
        auto& r = w.recvs.front();
        if (st->readable > 0) {
            r.reply->set_value({host_.recv(id, r.buf, now), Err::None});
            st = host_.status(id);
        } else if (st->eof) {
            r.reply->set_value({0, Err::None});  // end of stream
        } else if (st->error != Err::None) {
            r.reply->set_value({0, st->error});
        } else {
            break;  // nothing yet: stays parked until the next change
        }
        w.recvs.pop_front();
    }
    if (w.outbox && drain(id, *w.outbox, *st, now)) {
        w.outbox.reset();
        st = host_.status(id);
    }
    // An orderly close is complete when both FINs are acknowledged.
    if (!w.closes.empty() && (st->state == tcp::State::TimeWait || st->state == tcp::State::Closed)) {
        const Err r = st->error == Err::Closed ? Err::None : st->error;
        for (auto& c : w.closes) c->set_value(r);
        w.closes.clear();
    }
}

// The outbox's bytes into the send ring, as many as it has room for; true
// when the outbox is done with (emptied, or the connection cannot send).
bool Core::drain(SocketId id, Outbox& o, const TcpStatus& st, tcp::Time now) {
    std::lock_guard lk(o.mu);
    // RFC 9293 3.10.2: SEND is allowed in ESTABLISHED and CLOSE-WAIT.
    if (st.error != Err::None || (st.state != tcp::State::Established && st.state != tcp::State::CloseWait)) {
        o.fail(st.error == Err::None ? Err::Closed : st.error);
        return true;
    }
    o.taken(host_.send(id, o.pending(), now));
    if (o.staged() > 0) return false;  // the ring is full: again when it has room
    o.posted = false;                  // the next send() asks again
    return true;
}

void Core::TcpWaiters::answer_all(Err e) {
    if (connect) connect->set_value({{}, e});
    for (auto& r : recvs) r.reply->set_value({0, e});
    if (outbox) {
        std::lock_guard lk(outbox->mu);
        outbox->fail(e);
    }
    for (auto& c : closes) c->set_value(e);
    *this = {};
}

void Core::serve_accepts(SocketId id, std::deque<Reply<Result<Opened>>>& q) {
    while (!q.empty()) {
        auto a = host_.accept(id);
        if (!a) {
            for (auto& r : q) r->set_value({{}, Err::Closed});
            q.clear();
            return;
        }
        if (a.value.id == 0) return;
        q.front()->set_value({{a.value.id, a.value.tuple}, Err::None});
        q.pop_front();
    }
}

namespace {

Datagram answer(const host::Datagram& d, base::MutBytes buf) {
    const std::size_t n = std::min(d.data.size(), buf.size());
    std::copy_n(d.data.begin(), n, buf.begin());
    return {d.addr, d.port, n, d.ttl};
}

}  // namespace

void Core::serve_dgram(SocketId id, std::deque<DgramRecv>& q) {
    while (!q.empty()) {
        auto d = host_.recv_from(id);
        if (!d) return;
        q.front().reply->set_value({answer(*d, q.front().buf), d->err});
        q.pop_front();
    }
}

std::vector<LinkReport> Core::link_report() {
    std::vector<LinkReport> out;
    for (auto& d : devices_) out.push_back({std::string(d->dev->name()), d->dev->link_counters()});
    return out;
}

}  // namespace stack
