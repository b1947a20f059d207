// libFuzzer target: ip/icmp's parser (RFC 792), with the datagram an error
// quotes (quoted_ports, quoted_echo). What parses re-builds with build_icmp
// and re-parses, checksum verified, to the same fields.
#include <cstdint>
#include <vector>

#include "fuzz/check.hpp"
#include "ip/icmp.hpp"

namespace {

void rebuild(const ip::IcmpView& v) {
    const auto& m = v.message;
    std::vector<std::uint8_t> out(ip::kIcmpHeaderLen + m.data.size());
    FUZZ_CHECK(ip::build_icmp(out, m) == out.size());
    auto again = ip::parse_icmp(out, true);
    FUZZ_CHECK(again.ok());
    const auto& n = again->message;
    FUZZ_CHECK(n.type == m.type && n.code == m.code && n.id == m.id && n.seq == m.seq &&
               n.next_hop_mtu == m.next_hop_mtu);
    FUZZ_CHECK(fuzz::same(n.data, m.data));
    FUZZ_CHECK(again->original.header.src == v.original.header.src &&
               again->original.header.dst == v.original.header.dst &&
               again->original.header.protocol == v.original.header.protocol);
    FUZZ_CHECK(fuzz::same(again->original.payload, v.original.payload));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const base::Bytes in(data, size);
    auto strict = ip::parse_icmp(in, true);
    auto p = ip::parse_icmp(in, false);
    if (strict) FUZZ_CHECK(p.ok());
    (void)ip::icmp_type_name(p->message.type);
    (void)ip::icmp_code_name(p->message.type, p->message.code);
    if (!p) return 0;
    const auto& m = p->message;
    FUZZ_CHECK(fuzz::inside(m.data, in));
    FUZZ_CHECK(fuzz::inside(p->original.options, in) && fuzz::inside(p->original.payload, in));
    if (m.is_error()) FUZZ_CHECK(p->original.payload.size() >= 8);  // RFC 792: 64 bits of data
    auto ports = ip::quoted_ports(p->original);
    if (ports) FUZZ_CHECK(m.is_error());
    auto echo = ip::quoted_echo(*p);
    if (echo) FUZZ_CHECK(m.is_error() && p->original.header.protocol == ip::kProtoIcmp);
    (void)ip::quoted_echo(p->original);
    rebuild(*p);
    return 0;
}
