// libFuzzer target: ip/ipv4's parsers (RFC 791 3.1), the whole-packet one
// with and without the checksum check and the one for the header an ICMP
// error quotes. What parses re-builds with build_ipv4_header (options are
// not built: the header comes out with IHL 5) and re-parses, checksum
// verified, to the same fields.
#include <cstdint>
#include <vector>

#include "fuzz/check.hpp"
#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"

namespace {

bool same_fields(const ip::Ipv4Header& a, const ip::Ipv4Header& b) {
    return a.tos == b.tos && a.id == b.id && a.df == b.df && a.mf == b.mf &&
           a.frag_offset == b.frag_offset && a.ttl == b.ttl && a.protocol == b.protocol &&
           a.src == b.src && a.dst == b.dst;
}

void whole(base::Bytes in) {
    auto loose = ip::parse_ipv4(in, false);
    auto strict = ip::parse_ipv4(in, true);
    if (strict) FUZZ_CHECK(loose.ok());  // the checksum is the only difference
    if (!loose) return;
    const auto& v = *loose;
    FUZZ_CHECK(v.header.ihl >= 5 && v.header.total_length <= in.size());
    FUZZ_CHECK(v.options.size() == v.header.ihl * 4u - ip::kIpv4HeaderLen);
    FUZZ_CHECK(v.payload.size() == v.header.total_length - v.header.ihl * 4u);
    FUZZ_CHECK(fuzz::inside(v.options, in) && fuzz::inside(v.payload, in));

    ip::Ipv4Header h = v.header;
    h.total_length = static_cast<std::uint16_t>(ip::kIpv4HeaderLen + v.payload.size());
    std::vector<std::uint8_t> out(h.total_length);
    FUZZ_CHECK(ip::build_ipv4_header(out, h) == ip::kIpv4HeaderLen);
    if (!v.payload.empty())
        std::memcpy(out.data() + ip::kIpv4HeaderLen, v.payload.data(), v.payload.size());
    auto again = ip::parse_ipv4(out, true);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(same_fields(again->header, v.header));
    FUZZ_CHECK(again->header.ihl == 5 && again->header.total_length == h.total_length);
    FUZZ_CHECK(fuzz::same(again->payload, v.payload));
    // A verified header re-builds byte for byte, but for the checksum (0 and
    // 0xffff are both a one's complement zero) and the reserved flag bit,
    // which RFC 791 3.1 says must be zero and the parser ignores.
    if (strict && v.header.ihl == 5) {
        FUZZ_CHECK(fuzz::same(base::Bytes(out).first(6), in.first(6)));
        FUZZ_CHECK((out[6] & 0x7f) == (in[6] & 0x7f) && out[7] == in[7]);
        FUZZ_CHECK(fuzz::same(base::Bytes(out).subspan(8, 2), in.subspan(8, 2)));
        FUZZ_CHECK(fuzz::same(base::Bytes(out).subspan(12, 8), in.subspan(12, 8)));
    }
}

void quoted(base::Bytes in) {
    auto q = ip::parse_ipv4_quoted(in);
    if (!q) return;
    FUZZ_CHECK(q->payload.size() >= 8);  // RFC 792: the header and 64 bits of data
    FUZZ_CHECK(fuzz::inside(q->options, in) && fuzz::inside(q->payload, in));
    auto ports = ip::quoted_ports(*q);
    if (ports) FUZZ_CHECK(q->header.protocol == ip::kProtoTcp || q->header.protocol == ip::kProtoUdp);
    auto echo = ip::quoted_echo(*q);
    if (echo) FUZZ_CHECK(q->header.protocol == ip::kProtoIcmp);
    (void)ip::icmp_error_quote(in);
    FUZZ_CHECK(fuzz::inside(ip::icmp_error_quote(in), in));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const base::Bytes in(data, size);
    whole(in);
    quoted(in);
    return 0;
}
