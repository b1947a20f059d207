// libFuzzer target: link/arp's parser (RFC 826). What parses re-builds with
// build_arp and re-parses to the same fields.
#include <array>
#include <cstdint>

#include "fuzz/check.hpp"
#include "link/arp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const base::Bytes in(data, size);
    auto a = l2::parse_arp(in);
    if (!a) return 0;
    FUZZ_CHECK(size >= l2::kArpLen);
    FUZZ_CHECK(a->op == l2::ArpOp::Request || a->op == l2::ArpOp::Reply);
    std::array<std::uint8_t, l2::kArpLen> out{};
    FUZZ_CHECK(l2::build_arp(out, *a) == l2::kArpLen);
    // The fixed Ethernet/IPv4 pairing is all we accept, so the bytes match too.
    FUZZ_CHECK(fuzz::same(out, in.first(l2::kArpLen)));
    auto b = l2::parse_arp(out);
    FUZZ_CHECK(b.ok());
    FUZZ_CHECK(b->op == a->op && b->sha == a->sha && b->spa == a->spa && b->tha == a->tha &&
               b->tpa == a->tpa);
    (void)l2::arp_op_name(a->op);
    return 0;
}
