// libFuzzer target: link/ethernet's parser. What parses re-builds (header +
// payload) and re-parses to the same header and payload.
#include <cstdint>
#include <vector>

#include "fuzz/check.hpp"
#include "link/ethernet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const base::Bytes in(data, size);
    auto e = l2::parse_ethernet(in);
    if (!e) return 0;
    FUZZ_CHECK(fuzz::inside(e->payload, in));
    FUZZ_CHECK(e->header.type >= 0x0600);  // IEEE 802.3 clause 3.2.6: a type, not a length
    std::vector<std::uint8_t> out(l2::kEthHeaderLen + e->payload.size());
    FUZZ_CHECK(l2::build_ethernet_header(out, e->header) == l2::kEthHeaderLen);
    if (!e->payload.empty())
        std::memcpy(out.data() + l2::kEthHeaderLen, e->payload.data(), e->payload.size());
    FUZZ_CHECK(fuzz::same(out, in));
    auto again = l2::parse_ethernet(out);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->header.dst == e->header.dst && again->header.src == e->header.src &&
               again->header.type == e->header.type);
    FUZZ_CHECK(fuzz::same(again->payload, e->payload));
    (void)l2::ethertype_name(e->header.type);
    return 0;
}
