// The send and receive ring: memory on demand (none until the first byte,
// doubled as the data needs it, up to the configured capacity), every byte
// where it was written across growth and wrap-around, and the memory given
// back once empty and unused.
#include <doctest/doctest.h>

#include <vector>

#include "tcp/ring_buffer.hpp"

namespace {

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 13 + i / 257);
    return v;
}

}  // namespace

TEST_CASE("ring: no memory until the first byte, then kInitial, doubling to the capacity") {
    tcp::RingBuffer r(256 * 1024);
    CHECK_FALSE(r.allocated());
    CHECK(r.allocated_bytes() == 0);
    CHECK(r.capacity() == 256 * 1024);
    CHECK(r.free() == 256 * 1024);  // the window is computed from this, not from the memory
    const auto a = pattern(100, 1);
    CHECK(r.push(a) == 100);
    CHECK(r.allocated_bytes() == tcp::RingBuffer::kInitial);
    const auto b = pattern(10000, 2);
    CHECK(r.push(b) == 10000);
    CHECK(r.allocated_bytes() == 16384);
    const auto big = pattern(300 * 1024, 3);
    CHECK(r.push(big) == 256 * 1024 - 10100);
    CHECK(r.allocated_bytes() == 256 * 1024);
    CHECK(r.free() == 0);
}

TEST_CASE("ring: bytes survive growth after wrap-around, out-of-order data keeps its offset") {
    tcp::RingBuffer r(64 * 1024);
    const auto a = pattern(3000, 4);
    r.push(a);
    std::vector<std::uint8_t> out(2500);
    CHECK(r.read(out) == 2500);  // read point at 2500 of 4096
    const auto b = pattern(3000, 5);
    r.push(b);                   // wraps in the 4 KiB ring
    CHECK(r.allocated_bytes() == 4096);
    const auto ahead = pattern(700, 6);
    r.write_at(r.size() + 5000, ahead);  // out of order, beyond the memory: it grows
    CHECK(r.allocated_bytes() == 16384);
    const auto gap = pattern(5000, 7);
    r.write_at(r.size(), gap);
    r.commit(5000 + 700);
    std::vector<std::uint8_t> all(r.size());
    CHECK(r.read(all) == 500 + 3000 + 5000 + 700);
    std::vector<std::uint8_t> want(a.begin() + 2500, a.end());
    want.insert(want.end(), b.begin(), b.end());
    want.insert(want.end(), gap.begin(), gap.end());
    want.insert(want.end(), ahead.begin(), ahead.end());
    CHECK(all == want);
}

TEST_CASE("ring: memory given back only once empty and unused for a whole period") {
    tcp::RingBuffer r(64 * 1024);
    const auto a = pattern(1000, 8);
    r.push(a);
    r.release_if_idle();  // holds bytes: kept
    CHECK(r.allocated());
    std::vector<std::uint8_t> out(1000);
    r.read(out);
    r.push(a);
    r.read(out);
    r.release_if_idle();  // empty, but written since the last call: kept
    CHECK(r.allocated());
    r.release_if_idle();  // empty and unused: freed
    CHECK_FALSE(r.allocated());
    CHECK(r.capacity() == 64 * 1024);
    r.push(a);  // allocated again on demand
    CHECK(r.allocated_bytes() == tcp::RingBuffer::kInitial);
    CHECK(r.read(out) == 1000);
    CHECK(out == a);
}

TEST_CASE("ring: view() and room() are the bytes in place, two spans across the wrap") {
    tcp::RingBuffer r(100);
    CHECK(r.view().empty());
    CHECK(r.room(0).empty());
    CHECK_FALSE(r.allocated());  // asking for no room allocates nothing
    const auto a = pattern(80, 4);
    CHECK(r.push(a) == 80);
    r.consume(60);  // the read point is at 60 of 100 bytes of memory
    auto room = r.room(500);  // no more than free()
    REQUIRE(room.size() == 80);
    CHECK(room.first.size() == 20);  // up to the end of the memory
    CHECK(room.second.size() == 60);  // then from its start
    CHECK(r.size() == 20);  // room is not data until commit()
    const auto b = pattern(80, 5);
    CHECK(base::copy_split({b, {}}, room) == 80);
    r.commit(80);
    CHECK(r.size() == 100);
    const base::SplitBytes v = r.view();
    REQUIRE(v.first.size() == 40);
    REQUIRE(v.second.size() == 60);
    std::vector<std::uint8_t> got(v.first.begin(), v.first.end());
    got.insert(got.end(), v.second.begin(), v.second.end());
    std::vector<std::uint8_t> want(a.begin() + 60, a.end());
    want.insert(want.end(), b.begin(), b.end());
    CHECK(got == want);
    CHECK(r.room(10).empty());  // full
}

TEST_CASE("ring: copy_split copies across both spans of each side") {
    const std::uint8_t src[] = {1, 2, 3, 4, 5, 6, 7};
    std::uint8_t d1[3] = {}, d2[3] = {};
    const base::SplitBytes from{base::Bytes(src, 2), base::Bytes(src + 2, 5)};
    CHECK(base::copy_split(from, {d1, d2}) == 6);  // as much as fits
    CHECK(d1[0] == 1);
    CHECK(d1[2] == 3);
    CHECK(d2[0] == 4);
    CHECK(d2[2] == 6);
    CHECK(base::copy_split({}, {d1, d2}) == 0);
}
