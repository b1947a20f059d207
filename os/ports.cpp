#include "os/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "os/firewall.hpp"

namespace os {

namespace {

// Binds a kernel TCP socket (never listening) to addr:port. Returns the fd
// and the port the kernel chose, or an error.
Result<std::pair<int, std::uint16_t>> kernel_bind(std::uint32_t addr, std::uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {{}, Err::Failed};
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(addr);
    sa.sin_port = htons(port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        const int e = errno;
        close(fd);
        if (e == EADDRINUSE) return {{}, Err::AddrInUse};
        if (e == EADDRNOTAVAIL) return {{}, Err::AddrNotAvail};
        LOG(stack, warning) << "ports: bind(" << port << "): " << std::strerror(e);
        return {{}, Err::Failed};
    }
    socklen_t len = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    return {{fd, ntohs(sa.sin_port)}, Err::None};
}

}  // namespace

std::shared_ptr<PortTable> PortTable::create(bool kernel_reserves,
                                             std::shared_ptr<Firewall> firewall) {
    return std::shared_ptr<PortTable>(new PortTable(kernel_reserves, std::move(firewall)));
}

bool PortTable::conflicts(std::uint32_t addr, std::uint16_t port) const {
    auto [b, e] = held_.equal_range(port);
    for (auto it = b; it != e; ++it)
        if (it->second == 0 || addr == 0 || it->second == addr) return true;
    return false;
}

Result<std::shared_ptr<PortLease>> PortTable::reserve(std::uint32_t addr, std::uint16_t port) {
    int fd = -1;
    {
        std::lock_guard lk(mu_);
        if (port != 0 && conflicts(addr, port)) return {nullptr, Err::AddrInUse};
        if (kernel_) {
            auto r = kernel_bind(addr, port);
            if (!r) return {nullptr, r.err};
            fd = r.value.first;
            port = r.value.second;
        } else if (port == 0) {
            // RFC 6056 3.3.1-like: a random start, then the next free port.
            const unsigned n = kEphemeralLast - kEphemeralFirst + 1;
            const unsigned start = rng_() % n;
            for (unsigned i = 0; i < n && port == 0; ++i) {
                const auto p = static_cast<std::uint16_t>(kEphemeralFirst + (start + i) % n);
                if (!conflicts(addr, p)) port = p;
            }
            if (port == 0) return {nullptr, Err::AddrInUse};
        }
        held_.emplace(port, addr);
        notify();
    }
    std::shared_ptr<PortLease> lease(new PortLease(shared_from_this(), addr, port, fd));
    if (firewall_) {
        try {
            firewall_->add_port(addr, port);
        } catch (const std::exception& e) {
            LOG(stack, error) << e.what();
            return {nullptr, Err::Failed};  // the lease's destructor gives the port back
        }
    }
    return {std::move(lease), Err::None};
}

void PortTable::watch(Watcher w) {
    std::lock_guard lk(mu_);
    watcher_ = std::move(w);
    notify();
}

void PortTable::notify() const {
    if (!watcher_) return;
    std::vector<std::uint16_t> ports;
    ports.reserve(held_.size());
    for (const auto& [port, addr] : held_) ports.push_back(port);
    watcher_(ports);
}

bool PortTable::owns(std::uint32_t addr, std::uint16_t port) const {
    std::lock_guard lk(mu_);
    auto [b, e] = held_.equal_range(port);
    for (auto it = b; it != e; ++it)
        if (it->second == 0 || it->second == addr) return true;
    return false;
}

void PortTable::release(const PortLease& l) {
    {
        std::lock_guard lk(mu_);
        auto [b, e] = held_.equal_range(l.port_);
        for (auto it = b; it != e; ++it)
            if (it->second == l.addr_) {
                held_.erase(it);
                break;
            }
        notify();
    }
    const int fd = l.kernel_fd_;
    auto close_fd = [fd] {
        if (fd >= 0) ::close(fd);
    };
    {
        std::lock_guard lk(mu_);
        if (ending_ == Ending::Holding) {
            if (fd >= 0) held_fds_.push_back(fd);
            return;
        }
        if (ending_ == Ending::Done) return close_fd();  // the table is gone
    }
    // The kernel reservation is closed only once the port has left the
    // firewall's set, so the port cannot be handed out while still in it.
    if (firewall_)
        firewall_->release_port(l.addr_, l.port_, close_fd);
    else
        close_fd();
}

void PortTable::hold_releases() {
    std::lock_guard lk(mu_);
    if (ending_ == Ending::No) ending_ = Ending::Holding;
}

void PortTable::close_held() {
    std::vector<int> fds;
    {
        std::lock_guard lk(mu_);
        ending_ = Ending::Done;
        fds.swap(held_fds_);
    }
    for (int fd : fds) ::close(fd);
}

PortLease::~PortLease() { table_->release(*this); }

}  // namespace os
