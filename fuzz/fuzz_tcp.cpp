// libFuzzer target: tcp/segment's parser with its options (RFC 9293 3.1,
// 3.2; RFC 7323; RFC 2018). The first 8 bytes are the pseudo-header's
// addresses; the rest is the segment. What parses re-builds with tcp::build
// (unless its options, laid out with build's NOP padding, do not fit in 40
// bytes) and re-parses, checksum verified, to the same header, options and
// payload.
#include <cstdint>
#include <vector>

#include "fuzz/check.hpp"
#include "tcp/segment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 8) return 0;
    const std::uint32_t src = base::get_u32(data), dst = base::get_u32(data + 4);
    const base::Bytes in(data + 8, size - 8);
    auto strict = tcp::parse(in, src, dst, true);
    auto s = tcp::parse(in, src, dst, false);
    if (strict) FUZZ_CHECK(s.ok());
    if (!s) return 0;
    const auto& h = s->header;
    FUZZ_CHECK(h.data_offset >= 5 && h.data_offset * 4u <= in.size());
    FUZZ_CHECK(s->payload.size() == in.size() - h.data_offset * 4u);
    FUZZ_CHECK(fuzz::inside(s->payload, in));
    FUZZ_CHECK(h.options.sack_count <= tcp::kMaxSackBlocks);
    (void)tcp::flags_to_string(h.flags);

    std::vector<std::uint8_t> out(tcp::kHeaderMax + s->payload.size());
    const std::size_t n = tcp::build(out, h, src, dst, s->payload);
    if (tcp::kHeaderMin + h.options.wire_length() > tcp::kHeaderMax) {
        FUZZ_CHECK(n == 0);
        return 0;
    }
    FUZZ_CHECK(n == tcp::kHeaderMin + h.options.wire_length() + s->payload.size());
    auto again = tcp::parse(base::Bytes(out).first(n), src, dst, true);
    FUZZ_CHECK(again.ok());
    const auto& g = again->header;
    FUZZ_CHECK(g.src_port == h.src_port && g.dst_port == h.dst_port && g.seq == h.seq &&
               g.ack == h.ack && g.flags == h.flags && g.window == h.window &&
               g.urgent == h.urgent);
    FUZZ_CHECK(g.options == h.options);
    FUZZ_CHECK(fuzz::same(again->payload, s->payload));
    return 0;
}
