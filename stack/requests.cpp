// The application's requests, on the loop thread (posted by api.cpp and
// api_dgram.cpp): each goes to the host, and the reply is either given now
// or parked until the host's state can answer it (Core::serve).
#include "base/log.hpp"
#include "stack/core.hpp"

namespace stack {

namespace {

tcp::Duration as_duration(Millis m) { return std::chrono::duration_cast<tcp::Duration>(m); }

}  // namespace

void Core::do_listen(std::uint32_t addr, std::uint16_t port, std::shared_ptr<PortLease> lease,
                     int backlog, Reply<Result<SocketId>> reply) {
    if (stopping_) return reply->set_value({0, Err::Shutdown});
    reply->set_value(host_.listen(addr, port, backlog, std::move(lease)));
}

void Core::do_close_listener(SocketId id) {
    if (auto it = accepts_.find(id); it != accepts_.end()) {
        for (auto& a : it->second) a->set_value({{}, Err::Closed});
        accepts_.erase(it);
    }
    host_.close_listener(id, loop.now());
    settle();
}

void Core::do_accept(SocketId lid, Reply<Result<Opened>> reply) {
    if (stopping_) return reply->set_value({{}, Err::Shutdown});
    auto& q = accepts_[lid];
    q.push_back(std::move(reply));
    serve(lid);
}

void Core::do_connect(tcp::Tuple t, std::shared_ptr<PortLease> lease, Millis timeout,
                      Reply<Result<Opened>> reply) {
    if (stopping_) return reply->set_value({{}, Err::Shutdown});
    auto c = host_.connect(t, std::move(lease), loop.now(), as_duration(timeout));
    if (!c) return reply->set_value({{}, c.err});
    tcp_[c.value].connect = std::move(reply);
    settle();
}

void Core::do_drain(SocketId id, std::shared_ptr<Outbox> outbox) {
    if (stopping_ || !host_.status(id) || host_.write_shut(id)) {
        std::lock_guard lk(outbox->mu);
        return outbox->fail(stopping_ ? Err::Shutdown : Err::Closed);
    }
    tcp_[id].outbox = std::move(outbox);
    serve(id);
    settle();
}

void Core::do_recv(SocketId id, base::MutBytes buf, Reply<Result<std::size_t>> reply) {
    if (stopping_) return reply->set_value({0, Err::Shutdown});
    if (!host_.status(id)) return reply->set_value({0, Err::Closed});
    tcp_[id].recvs.push_back({buf, std::move(reply)});
    serve(id);
    settle();
}

void Core::do_shutdown_write(SocketId id, Reply<Err> reply) {
    if (stopping_) return reply->set_value(Err::Shutdown);
    const auto st = host_.status(id);
    if (!st || st->state == tcp::State::Closed) return reply->set_value(Err::Closed);
    host_.shutdown_write(id, loop.now());
    reply->set_value(Err::None);
    settle();
}

void Core::do_close(SocketId id, Millis timeout, Reply<Err> reply) {
    if (stopping_) return reply->set_value(Err::Shutdown);
    const auto st = host_.status(id);
    if (!st) return reply->set_value(Err::Closed);
    if (st->state == tcp::State::Closed)
        return reply->set_value(st->error == Err::Closed ? Err::None : st->error);
    host_.close(id, loop.now(), as_duration(timeout));
    tcp_[id].closes.push_back(std::move(reply));
    serve(id);
    settle();
}

void Core::do_abort(SocketId id) {
    if (stopping_) return;
    host_.abort(id, loop.now());
    settle();
}

void Core::do_release(SocketId id) {
    // The handle is gone, so nothing of its should still wait; if a call
    // raced the release, it is answered rather than left hanging.
    if (auto it = tcp_.find(id); it != tcp_.end()) {
        it->second.answer_all(Err::Closed);
        tcp_.erase(it);
    }
    host_.release(id, loop.now());
    settle();
}

void Core::do_dgram_open(bool ping, std::uint32_t addr, std::uint16_t port,
                         std::shared_ptr<PortLease> lease, Reply<Result<DgramOpened>> reply) {
    if (stopping_) return reply->set_value({{}, Err::Shutdown});
    if (ping) {
        auto r = host_.ping_open(loop.now(), static_cast<std::uint8_t>(port));
        return reply->set_value({{r.value.first, r.value.second}, r.err});
    }
    auto r = host_.udp_open(addr, port, std::move(lease));
    reply->set_value({{r.value, port}, r.err});
}

void Core::do_send_to(SocketId id, std::uint32_t addr, std::uint16_t port, base::Bytes data,
                      Reply<Err> reply) {
    if (stopping_) return reply->set_value(Err::Shutdown);
    reply->set_value(host_.send_to(id, addr, port, data, loop.now()));
    settle();
}

void Core::do_recv_from(SocketId id, base::MutBytes buf, Reply<Result<Datagram>> reply) {
    if (stopping_) return reply->set_value({{}, Err::Shutdown});
    dgram_[id].push_back({buf, std::move(reply)});
    serve(id);
}

void Core::do_cancel_recv(SocketId id, const Reply<Result<Datagram>>& reply) {
    auto it = dgram_.find(id);
    if (it == dgram_.end()) return;
    auto& q = it->second;
    for (auto r = q.begin(); r != q.end(); ++r) {
        if (r->reply != reply) continue;
        r->reply->set_value({{}, Err::TimedOut});
        q.erase(r);
        return;
    }
}

void Core::do_dgram_close(SocketId id) {
    if (auto it = dgram_.find(id); it != dgram_.end()) {
        for (auto& r : it->second) r.reply->set_value({{}, Err::Closed});
        dgram_.erase(it);
    }
    host_.dgram_close(id);
}

void Core::do_shutdown() {
    stopping_ = true;
    for (auto& [id, q] : accepts_)
        for (auto& a : q) a->set_value({{}, Err::Shutdown});
    for (auto& [id, w] : tcp_) w.answer_all(Err::Shutdown);
    for (auto& [id, q] : dgram_)
        for (auto& r : q) r.reply->set_value({{}, Err::Shutdown});
    accepts_.clear();
    tcp_.clear();
    events_.clear();
    dgram_.clear();
    host_.shutdown(loop.now());
    loop.set_deadline(std::nullopt);
    LOG(stack, debug) << "stack stopped";
}

}  // namespace stack
