// Raw mode: the kernel routes, so it chooses our source address toward a
// destination (RFC 1122 3.3.4.3) and knows the MTU of the route there.
// Asked the way any program can: a connected UDP socket, from which no
// packet is ever sent.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>

#include "base/error.hpp"
#include "base/time.hpp"

namespace os {

// Unreachable when the kernel has no route to dst.
base::Result<std::uint32_t> kernel_source_for(std::uint32_t dst);

// What the kernel's route toward a destination says.
struct KernelRoute {
    // ip(7) IP_MTU: the interface's, or a lower path MTU the kernel has learnt.
    std::size_t mtu = 0;
    // To one of the kernel's own addresses: such a route leaves through lo
    // (RFC 1122 3.3.4: a host's datagrams to itself never reach a link).
    bool local = false;
    bool operator==(const KernelRoute&) const = default;
};

// The kernel's route toward dst; nullopt without one.
std::optional<KernelRoute> kernel_route(std::uint32_t dst);

// kernel_route() remembered for a while per destination, so that
// opening many connections to one peer asks the kernel once. Bounded: when
// full it starts again empty. A flood of SYNs from forged sources would
// make every one a new destination, so the kernel is asked at most
// kLookupsPerSecond times a second; past that an unknown destination gets
// nullopt (the caller's own default) without a system call. One thread
// only (the event loop's).
class RouteCache {
public:
    static constexpr std::size_t kMaxEntries = 4096;
    static constexpr base::Duration kKeep = std::chrono::seconds(10);
    static constexpr unsigned kLookupsPerSecond = 256;
    using Lookup = std::function<std::optional<KernelRoute>(std::uint32_t dst)>;

    explicit RouteCache(Lookup lookup = kernel_route) : lookup_(std::move(lookup)) {}
    std::optional<KernelRoute> get(std::uint32_t dst, base::Time now);

private:
    struct Entry {
        std::optional<KernelRoute> route;
        base::Time expires;
    };
    Lookup lookup_;
    std::unordered_map<std::uint32_t, Entry> entries_;
    base::Time second_{0};  // the start of the current second of lookups
    unsigned lookups_ = 0;  // made in it
};

}  // namespace os
