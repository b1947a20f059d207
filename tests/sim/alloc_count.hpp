// The test binary's own operator new (tests/sim/test_alloc.cpp): how many
// allocations while counting, and the heap bytes live right now, so that a
// test can measure what a connection or a flood costs.
#pragma once
#include <cstdint>

namespace alloc_count {
void start();                  // count allocations from now on
std::uint64_t stop();          // stop; how many there were
std::int64_t live_bytes();     // bytes allocated and not yet freed, all along
}  // namespace alloc_count
