// The datagram half of the socket API (UDP and ICMP echo sockets): like
// api.cpp, each call posts to the event loop and waits for its answer.
#include "stack/ask.hpp"
#include "stack/core.hpp"

namespace stack {

namespace {

Result<DgramOpened> open_on(Core& core, bool ping, std::uint32_t addr,
                            std::uint16_t port, std::shared_ptr<PortLease> lease) {
    return ask<Result<DgramOpened>>(
        core, {{}, Err::Shutdown},
        [ping, addr, port, l = std::move(lease)](Core& c, Reply<Result<DgramOpened>> reply) {
            c.do_dgram_open(ping, addr, port, l, reply);
        });
}

}  // namespace

Result<DatagramSocket> Stack::udp_open(std::uint32_t addr, std::uint16_t port) {
    if (core_->kernel_owns_addresses) return {{}, Err::Failed};  // the kernel owns UDP there
    auto lease = core_->udp_ports->reserve(addr, port);
    if (!lease) return {{}, lease.err};
    auto r = open_on(*core_, false, addr, lease.value->port(), lease.value);
    if (!r) return {{}, r.err};
    return {DatagramSocket(core_, r.value.id, r.value.port), Err::None};
}

Result<DatagramSocket> Stack::ping_open(std::uint8_t ttl) {
    if (core_->kernel_owns_addresses) return {{}, Err::Failed};
    auto r = open_on(*core_, true, 0, ttl, nullptr);
    if (!r) return {{}, r.err};
    return {DatagramSocket(core_, r.value.id, r.value.port), Err::None};
}

std::optional<std::uint32_t> Stack::source_for(std::uint32_t dst) const {
    if (!core_ || core_->kernel_owns_addresses) return std::nullopt;
    return core_->source_for(dst);
}

DatagramSocket& DatagramSocket::operator=(DatagramSocket&& o) noexcept {
    if (this != &o) {
        close();
        core_ = std::move(o.core_);
        id_ = o.id_;
        port_ = o.port_;
    }
    return *this;
}

DatagramSocket::~DatagramSocket() { close(); }

void DatagramSocket::close() {
    if (!core_) return;
    core_->loop.post([c = core_.get(), id = id_] { c->do_dgram_close(id); });
    core_.reset();
}

Err DatagramSocket::send_to(std::uint32_t addr, std::uint16_t port, base::Bytes data) {
    if (!core_) return Err::Closed;
    return ask<Err>(*core_, Err::Shutdown, [id = id_, addr, port, data](Core& c, Reply<Err> r) {
        c.do_send_to(id, addr, port, data, r);
    });
}

Result<Datagram> DatagramSocket::recv_from(base::MutBytes buf, Millis timeout) {
    if (!core_) return {{}, Err::Closed};
    auto reply = std::make_shared<std::promise<Result<Datagram>>>();
    auto answer = reply->get_future();
    Core* c = core_.get();
    if (!c->loop.post([c, id = id_, buf, reply] { c->do_recv_from(id, buf, reply); }))
        return {{}, Err::Shutdown};
    if (answer.wait_for(timeout) == std::future_status::timeout) {
        // Withdraw the request; if a datagram won the race, it is the answer.
        // A stopped loop has answered every request (Shutdown) already.
        c->loop.post([c, id = id_, reply] { c->do_cancel_recv(id, reply); });
    }
    return answer.get();
}

}  // namespace stack
