#include "tcp/isn.hpp"

#include <bit>
#include <cstring>

#include "base/bytes.hpp"

namespace tcp {

namespace {
struct Sip {
    std::uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1; v1 = std::rotl(v1, 13); v1 ^= v0; v0 = std::rotl(v0, 32);
        v2 += v3; v3 = std::rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = std::rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = std::rotl(v1, 17); v1 ^= v2; v2 = std::rotl(v2, 32);
    }
};
std::uint64_t load_le64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}
}  // namespace

std::uint64_t siphash24(const std::array<std::uint64_t, 2>& key, const std::uint8_t* msg,
                        std::size_t len) {
    Sip s{key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
          key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull};
    const std::size_t full = len & ~std::size_t{7};
    for (std::size_t i = 0; i < full; i += 8) {
        const std::uint64_t m = load_le64(msg + i);
        s.v3 ^= m;
        s.round();
        s.round();
        s.v0 ^= m;
    }
    std::uint64_t b = std::uint64_t{len & 0xff} << 56;
    for (std::size_t i = 0; i < (len & 7); ++i) b |= std::uint64_t{msg[full + i]} << (8 * i);
    s.v3 ^= b;
    s.round();
    s.round();
    s.v0 ^= b;
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

Seq IsnGenerator::next(const Tuple& t, Time now) const {
    std::uint8_t m[12];
    base::put_u32(m, t.local_ip);
    base::put_u16(m + 4, t.local_port);
    base::put_u32(m + 6, t.remote_ip);
    base::put_u16(m + 10, t.remote_port);
    const auto f = static_cast<Seq>(siphash24(key_, m, sizeof m));
    const auto ticks = static_cast<Seq>(now.count() / 4);  // RFC 6528: M ticks every 4 us
    return ticks + f;
}

}  // namespace tcp
