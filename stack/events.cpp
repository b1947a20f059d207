// The event-driven API on the loop thread (stack/events.hpp): every call is
// one host call, made now; the loop settles (and so calls the Events of
// whatever changed) after the callback or run_on_loop() function returns.
#include "stack/events.hpp"

#include "stack/core.hpp"

namespace stack {

namespace {

tcp::Duration as_duration(Millis m) { return std::chrono::duration_cast<tcp::Duration>(m); }

}  // namespace

bool Loop::stopping() const { return core_.stopping_; }

Result<SocketId> Loop::listen(std::uint32_t addr, std::uint16_t port, int backlog, Events* ev) {
    if (stopping()) return {0, Err::Shutdown};
    auto lease = core_.ports->reserve(addr, port);
    if (!lease) return {0, lease.err};
    auto r = core_.host_.listen(addr, lease.value->port(), backlog, lease.value);
    if (r && ev) core_.events_[r.value] = ev;
    return r;
}

Result<host::Accepted> Loop::accept(SocketId listener, Events* ev) {
    if (stopping()) return {{}, Err::Shutdown};
    auto a = core_.host_.accept(listener);
    if (a && a.value.id != 0 && ev) core_.events_[a.value.id] = ev;
    return a;
}

void Loop::close_listener(SocketId listener) {
    core_.events_.erase(listener);
    if (!stopping()) core_.host_.close_listener(listener, core_.loop.now());
}

void Loop::watch(SocketId id, Events* ev) {
    if (ev) {
        core_.events_[id] = ev;
    } else {
        core_.events_.erase(id);
    }
}

std::size_t Loop::send(SocketId id, base::Bytes data) {
    if (stopping() || data.empty()) return 0;
    return core_.host_.send(id, data, core_.loop.now());
}

std::size_t Loop::recv(SocketId id, base::MutBytes buf) {
    if (stopping() || buf.empty()) return 0;
    return core_.host_.recv(id, buf, core_.loop.now());
}

base::SplitBytes Loop::recv_view(SocketId id) const {
    if (stopping()) return {};
    return core_.host_.recv_view(id);
}

std::size_t Loop::consume(SocketId id, std::size_t n) {
    if (stopping() || n == 0) return 0;
    return core_.host_.consume(id, n, core_.loop.now());
}

base::SplitMutBytes Loop::send_room(SocketId id, std::size_t max) {
    if (stopping() || max == 0) return {};
    return core_.host_.send_room(id, max);
}

std::size_t Loop::commit(SocketId id, std::size_t n) {
    if (stopping() || n == 0) return 0;
    return core_.host_.commit(id, n, core_.loop.now());
}

std::optional<TcpStatus> Loop::status(SocketId id) const {
    if (stopping()) return std::nullopt;
    return core_.host_.status(id);
}

void Loop::shutdown_write(SocketId id) {
    if (!stopping()) core_.host_.shutdown_write(id, core_.loop.now());
}

void Loop::close(SocketId id, Millis timeout) {
    if (!stopping()) core_.host_.close(id, core_.loop.now(), as_duration(timeout));
}

void Loop::abort(SocketId id) {
    if (!stopping()) core_.host_.abort(id, core_.loop.now());
}

void Loop::release(SocketId id) {
    core_.events_.erase(id);
    if (!stopping()) core_.host_.release(id, core_.loop.now());
}

Result<SocketId> Loop::udp_open(std::uint32_t addr, std::uint16_t port, Events* ev) {
    if (stopping()) return {0, Err::Shutdown};
    if (core_.kernel_owns_addresses) return {0, Err::Failed};  // the kernel owns UDP there
    auto lease = core_.udp_ports->reserve(addr, port);
    if (!lease) return {0, lease.err};
    auto r = core_.host_.udp_open(addr, lease.value->port(), lease.value);
    if (r && ev) core_.events_[r.value] = ev;
    return r;
}

Err Loop::send_to(SocketId id, std::uint32_t addr, std::uint16_t port, base::Bytes data) {
    if (stopping()) return Err::Shutdown;
    return core_.host_.send_to(id, addr, port, data, core_.loop.now());
}

std::optional<host::Datagram> Loop::recv_from(SocketId id) {
    if (stopping()) return std::nullopt;
    return core_.host_.recv_from(id);
}

void Loop::dgram_close(SocketId id) {
    core_.events_.erase(id);
    if (!stopping()) core_.host_.dgram_close(id);
}

// ---- Stack ----

bool Stack::post_on_loop(std::function<void(Loop&)> fn) {
    Core* c = core_.get();
    return c->loop.post([c, fn = std::move(fn)] { c->run_app(fn); });
}

bool Stack::run_on_loop(std::function<void(Loop&)> fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto ran = done->get_future();
    Core* c = core_.get();
    if (!c->loop.post([c, &fn, done] {
            c->run_app(fn);
            done->set_value();
        }))
        return false;
    ran.get();
    return true;
}

void Core::run_app(const std::function<void(Loop&)>& fn) {
    if (stopping_) return;
    fn(api_);
    settle();
}

}  // namespace stack
