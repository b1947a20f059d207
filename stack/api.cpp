// The blocking, thread-safe API: each call posts a task to the event loop
// and waits on a future for the loop's answer. The calling thread holds no
// lock while it waits, and the loop never waits for an application.
#include <signal.h>

#include <system_error>

#include "base/addr.hpp"
#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "os/ingress.hpp"
#include "os/loopback_frames.hpp"
#include "os/source_address.hpp"
#include "stack/ask.hpp"
#include "stack/core.hpp"
#include "stack/devices.hpp"
#include "stack/outbox.hpp"
#include "link/fault_device.hpp"

namespace stack {

// ---- Stack ----

namespace {

// The interfaces we speak on through AF_PACKET, and our address on each.
std::vector<os::IngressGuard::Interface> packet_interfaces(const StackOptions& opts) {
    std::vector<os::IngressGuard::Interface> out;
    for (const auto& io : opts.interfaces)
        if (io.link == "packet" && !io.device && io.addr.addr != 0) out.push_back({io.ifname, io.addr.addr});
    return out;
}

}  // namespace

std::unique_ptr<Stack> Stack::open(StackOptions opts) {
    // A peer that vanishes must not kill us through a pipe to nft.
    signal(SIGPIPE, SIG_IGN);
    const bool raw = opts.link == "raw" && !opts.device && opts.interfaces.empty();
    const auto packet_ifaces = packet_interfaces(opts);  // before the devices are taken
    std::vector<Attached> ifaces;
    Watched watched;
    try {
        // Raw mode, or packet/tap mode and devices handed in: we own the addresses.
        ifaces = raw ? open_raw(opts) : open_host_devices(opts);
        // pcap, faults and trace as wrappers, in every link mode, around the
        // first interface (the one the user named; never lo).
        auto& first = ifaces.front().device;
        watched = watch_device(std::move(first), opts.watch);
        first = std::move(watched.device);
        // A router's other interfaces are traced too, in the same trace.
        for (std::size_t i = 1; i < ifaces.size(); ++i)
            if (!ifaces[i].config.loopback)
                ifaces[i].device = watch_more(std::move(ifaces[i].device), opts.watch, watched);
    } catch (const l2::DeviceError& e) {
        throw StackError(e.what());
    }

    std::shared_ptr<Firewall> fw;
    if (raw && opts.firewall) {
        try {
            fw = Firewall::install(opts.mark);
        } catch (const FirewallError& e) {
            throw StackError(e.what());
        }
    }

    std::unique_ptr<Stack> st(new Stack);
    if (opts.firewall) st->ingress_ = os::IngressGuard::install(packet_ifaces);
    try {
        st->core_ = std::make_shared<Core>(std::move(ifaces), opts.gateway, raw, fw, opts,
                                           watched.observer, watched.forward);
    } catch (const std::system_error& e) {
        if (fw) fw->remove();
        throw StackError(std::string("starting the event loop: ") + e.what());
    } catch (const StackError&) {
        if (fw) fw->remove();
        throw;
    }
    st->core_->faults = watched.faults;
    st->firewall_off_ = raw && !opts.firewall;
    st->finish_watch_ = std::move(watched.finish);
    // Raw mode: the raw socket sees the whole host's TCP; record only ours.
    if (raw) watched.set_receive_filter(own_ports_filter(st->core_->ports));
    st->loop_thread_ = std::thread([c = st->core_.get()] { c->loop.run(); });
    return st;
}

Stack::~Stack() { shutdown(); }

void Stack::shutdown() {
    std::call_once(shutdown_once_, [this] {
        if (!core_) return;
        // The table goes as a whole below: the ports the shutdown frees stay
        // in it (and reserved) until then, without an nft run each.
        if (core_->firewall) core_->ports->hold_releases();
        core_->loop.post([c = core_.get()] { c->do_shutdown(); });
        core_->loop.stop();
        if (loop_thread_.joinable()) loop_thread_.join();
        if (core_->firewall) {
            core_->firewall->remove();
            core_->ports->close_held();
        }
        if (ingress_) ingress_->remove();
        if (finish_watch_) finish_watch_();  // the loop is gone: no other caller
    });
}

Counters Stack::counters() {
    auto c = core_.get();
    Counters out;
    bool asked = false;
    out = ask<Counters>(*c, Counters{}, [&asked](Core& core, Reply<Counters> r) {
        asked = true;
        r->set_value(core.counters());
    });
    if (!asked) {
        shutdown();  // the loop has stopped (or is stopping): wait, then read
        out = c->counters();
    }
    return out;
}

TcpReport Stack::tcp_report() {
    auto c = core_.get();
    const auto read = [](Core& core) {
        TcpReport t{core.connection_list(), std::nullopt, core.link_report()};
        if (core.faults) t.faults = core.faults->injector().counters();
        return t;
    };
    bool asked = false;
    TcpReport out = ask<TcpReport>(*c, TcpReport{}, [&asked, read](Core& core, Reply<TcpReport> r) {
        asked = true;
        r->set_value(read(core));
    });
    if (!asked) {
        shutdown();  // the loop has stopped (or is stopping): wait, then read
        out = read(*c);
    }
    return out;
}

const std::string& Stack::firewall_table() const {
    static const std::string none;
    return core_ && core_->firewall ? core_->firewall->table() : none;
}

void Stack::announce() {
    if (core_ && core_->firewall) core_->firewall->announce();
    if (const auto lo = os::loopback_frames_note(); !lo.empty()) {
        LOG(link, info) << lo;
    }
    if (ingress_) {
        LOG(stack, info) << "packet: installed nftables table netdev " << ingress_->table()
                         << ": the kernel's IPv4 input no longer sees frames to our address, which "
                            "it would route and drop one by one (--no-firewall turns this off)";
    }
    if (firewall_off_) {
        LOG(stack, info) << "firewall: off (--no-firewall): unless your own firewall drops the "
                            "kernel's RSTs from our ports, the kernel will reset our connections";
    }
}

Result<Listener> Stack::listen(std::uint32_t addr, std::uint16_t port, int backlog) {
    auto lease = core_->ports->reserve(addr, port);
    if (!lease) return {{}, lease.err};
    const std::uint16_t p = lease.value->port();
    auto r = ask<Result<SocketId>>(
        *core_, {0, Err::Shutdown},
        [addr, p, backlog, l = lease.value](Core& c, Reply<Result<SocketId>> reply) {
            c.do_listen(addr, p, l, backlog, reply);
        });
    if (!r) return {{}, r.err};
    return {Listener(core_, r.value, addr, p), Err::None};
}

Result<Socket> Stack::connect(std::uint32_t addr, std::uint16_t port, Millis timeout) {
    if (addr == 0 || port == 0) return {{}, Err::AddrNotAvail};
    std::uint32_t src = 0;
    if (core_->kernel_owns_addresses) {
        auto s = os::kernel_source_for(addr);
        if (!s) return {{}, s.err};
        src = s.value;
    } else if (auto s = core_->source_for(addr)) {
        src = *s;  // RFC 1122 3.3.4.3: the address of the interface the route leaves by
    } else {
        return {{}, Err::Unreachable};
    }
    auto lease = core_->ports->reserve(src, 0);
    if (!lease) return {{}, lease.err};
    const tcp::Tuple t{src, lease.value->port(), addr, port};
    auto r = ask<Result<Opened>>(
        *core_, {{}, Err::Shutdown},
        [t, timeout, l = lease.value](Core& c, Reply<Result<Opened>> reply) {
            c.do_connect(t, l, timeout, reply);
        });
    if (!r) return {{}, r.err};
    return {Socket(core_, r.value.id, t), Err::None};
}

// ---- Listener ----

Listener& Listener::operator=(Listener&& o) noexcept {
    if (this != &o) {
        close();
        core_ = std::move(o.core_);
        id_ = o.id_;
        addr_ = o.addr_;
        port_ = o.port_;
    }
    return *this;
}

Listener::~Listener() { close(); }

Result<Socket> Listener::accept() {
    if (!core_) return {{}, Err::Closed};
    auto r = ask<Result<Opened>>(*core_, {{}, Err::Shutdown},
                                 [id = id_](Core& c, Reply<Result<Opened>> reply) {
                                     c.do_accept(id, reply);
                                 });
    if (!r) return {{}, r.err};
    return {Socket(core_, r.value.id, r.value.tuple), Err::None};
}

void Listener::close() {
    if (!core_) return;
    core_->loop.post([c = core_.get(), id = id_] { c->do_close_listener(id); });
    core_.reset();
}

// ---- Socket ----

Socket::Socket(std::shared_ptr<Core> c, std::uint64_t id, tcp::Tuple t)
    : core_(std::move(c)), id_(id), tuple_(t), out_(std::make_shared<Outbox>()) {}

Socket& Socket::operator=(Socket&& o) noexcept {
    if (this != &o) {
        release();
        core_ = std::move(o.core_);
        id_ = o.id_;
        tuple_ = o.tuple_;
        out_ = std::move(o.out_);
    }
    return *this;
}

Socket::~Socket() { release(); }

void Socket::release() {
    if (!core_) return;
    // What send() took still goes out, as a kernel socket's buffer does.
    flush(std::chrono::steady_clock::time_point::max());
    core_->loop.post([c = core_.get(), id = id_] { c->do_release(id); });
    core_.reset();
}

Err Socket::send(base::Bytes data) {
    if (!core_) return Err::Closed;
    Outbox& o = *out_;
    while (!data.empty()) {
        std::unique_lock lk(o.mu);
        o.wait(lk, std::chrono::steady_clock::time_point::max(), [&] { return o.staged() < Outbox::kCapacity; });
        if (o.err != Err::None) return o.err;
        data = data.subspan(o.put(data));
        if (o.posted) continue;  // the loop looks again by itself
        o.posted = true;
        lk.unlock();
        if (!core_->loop.post([c = core_.get(), id = id_, out = out_] { c->do_drain(id, out); })) {
            lk.lock();
            o.fail(Err::Shutdown);
            return Err::Shutdown;
        }
    }
    std::lock_guard lk(o.mu);
    return o.err;
}

Err Socket::flush(std::chrono::steady_clock::time_point until) {
    Outbox& o = *out_;
    std::unique_lock lk(o.mu);
    if (!o.wait(lk, until, [&] { return o.staged() == 0; })) return Err::TimedOut;
    return o.err;
}

Result<std::size_t> Socket::recv(base::MutBytes buf) {
    if (!core_) return {0, Err::Closed};
    if (buf.empty()) return {0, Err::None};
    return ask<Result<std::size_t>>(
        *core_, {0, Err::Shutdown},
        [id = id_, buf](Core& c, Reply<Result<std::size_t>> r) { c.do_recv(id, buf, r); });
}

Err Socket::shutdown_write() {
    if (!core_) return Err::Closed;
    if (const Err e = flush(std::chrono::steady_clock::time_point::max()); e != Err::None) return e;
    return ask<Err>(*core_, Err::Shutdown,
                    [id = id_](Core& c, Reply<Err> r) { c.do_shutdown_write(id, r); });
}

Err Socket::close(Millis timeout) {
    if (!core_) return Err::Closed;
    // The send buffer goes into the connection first, within the same time.
    const auto until = std::chrono::steady_clock::now() + timeout;
    if (flush(until) == Err::TimedOut) {
        abort();
        release();
        return Err::TimedOut;
    }
    const auto left = std::max(Millis(0), std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now()));
    const Err e = ask<Err>(*core_, Err::Shutdown,
                           [id = id_, left](Core& c, Reply<Err> r) { c.do_close(id, left, r); });
    release();
    return e;
}

void Socket::abort() {
    if (!core_) return;
    {
        std::lock_guard lk(out_->mu);
        out_->fail(Err::Aborted);  // unsent bytes go with the connection
    }
    core_->loop.post([c = core_.get(), id = id_] { c->do_abort(id); });
}

std::string Socket::peer() const { return base::endpoint_to_string(tuple_.remote_ip, tuple_.remote_port); }
std::string Socket::local() const { return base::endpoint_to_string(tuple_.local_ip, tuple_.local_port); }

}  // namespace stack
