#include "os/source_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace os {

namespace {

// A UDP socket connected toward dst (the kernel routes it; nothing is
// sent), or -1 when there is no route.
int connected_udp(std::uint32_t dst) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(dst);
    sa.sin_port = htons(9);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

base::Result<std::uint32_t> kernel_source_for(std::uint32_t dst) {
    const int fd = connected_udp(dst);
    if (fd < 0) return {0, base::Err::Unreachable};
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    close(fd);
    return {ntohl(sa.sin_addr.s_addr), base::Err::None};
}

std::optional<KernelRoute> kernel_route(std::uint32_t dst) {
    const int fd = connected_udp(dst);
    if (fd < 0) return std::nullopt;
    int mtu = 0;
    socklen_t len = sizeof mtu;
    const bool ok = getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &len) == 0 && mtu >= 68;
    sockaddr_in src{};
    socklen_t src_len = sizeof src;
    getsockname(fd, reinterpret_cast<sockaddr*>(&src), &src_len);
    close(fd);
    // RFC 791: every host link carries at least 68 bytes.
    if (!ok) return std::nullopt;
    // RFC 1122 3.2.1.3: 127/8 is this host's. Toward another address of
    // its own the kernel picks that same address as the source.
    const bool local = (dst >> 24) == 127 || ntohl(src.sin_addr.s_addr) == dst;
    return KernelRoute{static_cast<std::size_t>(mtu), local};
}

std::optional<KernelRoute> RouteCache::get(std::uint32_t dst, base::Time now) {
    if (auto it = entries_.find(dst); it != entries_.end() && it->second.expires > now)
        return it->second.route;
    if (now - second_ >= std::chrono::seconds(1)) {
        second_ = now;
        lookups_ = 0;
    }
    if (lookups_ >= kLookupsPerSecond) return std::nullopt;  // not remembered: asked again later
    ++lookups_;
    if (entries_.size() >= kMaxEntries) entries_.clear();
    const auto route = lookup_(dst);
    entries_[dst] = {route, now + kKeep};
    return route;
}

}  // namespace os
