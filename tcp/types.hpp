// Small types shared by the TCP modules and the layers that drive them.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>

#include "base/time.hpp"

namespace tcp {

// Time as the connection sees it: a duration since an arbitrary epoch, passed
// in by the caller (the event loop's monotonic clock, or a test's virtual
// clock). tcp:: code never reads a clock itself (docs/design.md, rule 3).
using base::Duration;
using base::Time;
using namespace std::chrono_literals;

// IPv4 addresses are host-order integers (10.0.0.1 == 0x0a000001).
struct Tuple {
    std::uint32_t local_ip = 0;
    std::uint16_t local_port = 0;
    std::uint32_t remote_ip = 0;
    std::uint16_t remote_port = 0;
    bool operator==(const Tuple&) const = default;
};

struct TupleHash {
    std::size_t operator()(const Tuple& t) const noexcept {
        std::uint64_t a = (std::uint64_t{t.local_ip} << 32) | t.remote_ip;
        std::uint64_t b = (std::uint64_t{t.local_port} << 16) | t.remote_port;
        std::uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull + (a << 6));
        return static_cast<std::size_t>(h ^ (h >> 29));
    }
};

}  // namespace tcp
