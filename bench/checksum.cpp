// Throughput of ip::checksum (RFC 1071, summed 64 bits at a time) next to
// the obvious byte-at-a-time loop, on packet-sized and large buffers, in the
// same run. Prints; asserts nothing (docs/design.md: benchmarks are not tests).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "ip/checksum.hpp"

namespace {

// RFC 1071 4.1 read literally: 16-bit words assembled from bytes, one by one.
std::uint16_t naive_checksum(const std::uint8_t* d, std::size_t n) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += (d[i] << 8) | d[i + 1];
    if (n & 1) sum += d[n - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

volatile std::uint16_t g_sink;  // keeps the sums from being optimised away

// Bytes per second of `f` over `buf`, run for about `seconds`.
template <class F>
double rate(const std::vector<std::uint8_t>& buf, F f, double seconds = 0.3) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    std::uint64_t bytes = 0;
    std::uint16_t acc = 0;
    double elapsed = 0;
    do {
        for (int i = 0; i < 64; ++i) {
            // Tell the compiler the buffer may have changed, so it cannot
            // hoist a pure, inlined sum out of the loop and time nothing.
            asm volatile("" : : "r"(buf.data()) : "memory");
            acc = static_cast<std::uint16_t>(acc + f(buf));
            bytes += buf.size();
        }
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < seconds);
    g_sink = acc;
    return static_cast<double>(bytes) / elapsed;
}

}  // namespace

int main() {
    std::mt19937 rng(1);
    std::printf("%-8s %14s %14s %8s\n", "size", "ip::checksum", "byte-at-a-time", "ratio");
    for (std::size_t size : {64u, 1500u, 65536u}) {
        std::vector<std::uint8_t> buf(size);
        for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
        if (ip::checksum(buf) != naive_checksum(buf.data(), buf.size())) {
            std::fprintf(stderr, "checksum mismatch at %zu bytes\n", size);
            return 1;
        }
        const double fast = rate(buf, [](const auto& b) { return ip::checksum(b); });
        const double naive =
            rate(buf, [](const auto& b) { return naive_checksum(b.data(), b.size()); });
        std::printf("%-8zu %11.2f GB/s %11.2f GB/s %7.1fx\n", size, fast / 1e9, naive / 1e9,
                    fast / naive);
    }
}
