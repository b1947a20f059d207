// Two stacks in one process joined by a datagram socketpair
// (tests/unit/pair_device.hpp), 10.0.0.1 and 10.0.0.2, with a short MSL;
// and a byte pattern to send between them.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <doctest/doctest.h>

#include "pair_device.hpp"
#include "stack/stack.hpp"

namespace testdev {

constexpr std::uint32_t kA = 0x0a000001;  // 10.0.0.1
constexpr std::uint32_t kB = 0x0a000002;  // 10.0.0.2

struct TwoStacks {
    std::unique_ptr<stack::Stack> a, b;
    std::shared_ptr<std::atomic<bool>> a_blackhole;  // true: what a sends is lost
    TwoStacks() {
        auto [da, db] = make_pair();
        REQUIRE(da);
        a_blackhole = da->blackhole;
        stack::StackOptions oa, ob;
        oa.device = std::move(da);
        oa.address = kA;
        ob.device = std::move(db);
        ob.address = kB;
        oa.tcp.msl = ob.tcp.msl = std::chrono::milliseconds(50);
        a = stack::Stack::open(std::move(oa));
        b = stack::Stack::open(std::move(ob));
    }
};

inline std::vector<std::uint8_t> pattern(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
    return v;
}

}  // namespace testdev
