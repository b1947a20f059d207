// libFuzzer target: ip/udp's parser (RFC 768). The first 8 bytes are the
// pseudo-header's addresses; the rest is the datagram. What parses
// re-builds with build_udp and re-parses, checksum verified, to the same
// ports and payload.
#include <cstdint>
#include <vector>

#include "fuzz/check.hpp"
#include "ip/udp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 8) return 0;
    const std::uint32_t src = base::get_u32(data), dst = base::get_u32(data + 4);
    const base::Bytes in(data + 8, size - 8);
    auto strict = ip::parse_udp(in, src, dst, true);
    auto u = ip::parse_udp(in, src, dst, false);
    if (strict) FUZZ_CHECK(u.ok());
    if (!u) return 0;
    FUZZ_CHECK(u->header.length >= ip::kUdpHeaderLen && u->header.length <= in.size());
    FUZZ_CHECK(u->payload.size() == u->header.length - ip::kUdpHeaderLen);
    FUZZ_CHECK(fuzz::inside(u->payload, in));
    std::vector<std::uint8_t> out(ip::kUdpHeaderLen + u->payload.size());
    FUZZ_CHECK(ip::build_udp(out, u->header, src, dst, u->payload) == out.size());
    auto again = ip::parse_udp(out, src, dst, true);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->header.src_port == u->header.src_port &&
               again->header.dst_port == u->header.dst_port &&
               again->header.length == u->header.length);
    FUZZ_CHECK(fuzz::same(again->payload, u->payload));
    if (strict && u->header.checksum != 0)  // a verified datagram re-builds byte for byte
        FUZZ_CHECK(fuzz::same(out, in.first(out.size())) ||
                   (u->header.checksum == 0xffff || again->header.checksum == 0xffff));
    return 0;
}
