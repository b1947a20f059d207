#include "ip/icmp_responder.hpp"

#include "base/addr.hpp"

namespace ip {

namespace {
using base::is_class_e;
using base::is_limited_broadcast;
using base::is_loopback;
using base::is_multicast;
using base::is_this_network;

// The offending datagram as received, or cut short to a quote.
base::Parsed<Ipv4View> parse_offending(base::Bytes d) {
    auto whole = parse_ipv4(d, /*verify=*/false);
    return whole ? whole : parse_ipv4_quoted(d);
}

// RFC 1122 3.2.2: the ICMP error types -- Destination Unreachable, Source
// Quench, Redirect, Time Exceeded, Parameter Problem.
bool is_icmp_error_type(std::uint8_t type) {
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

// Writes the IPv4 header for an ICMP message of `icmp_len` bytes.
std::size_t write_ip(base::MutBytes out, std::uint8_t tos, std::uint32_t src, std::uint32_t dst,
                     std::uint16_t id, std::size_t icmp_len) {
    Ipv4Header h;
    h.tos = tos;
    h.total_length = static_cast<std::uint16_t>(kIpv4HeaderLen + icmp_len);
    h.id = id;
    h.ttl = kDefaultTtl;
    h.protocol = kProtoIcmp;
    h.src = src;
    h.dst = dst;
    return build_ipv4_header(out, h);
}
}  // namespace

std::size_t build_echo_reply(base::MutBytes out, const Ipv4Header& request,
                             const IcmpMessage& echo, std::uint32_t specific_destination,
                             std::uint16_t ip_id) {
    if (echo.type != icmp_type::Echo) return 0;
    if (out.size() < kIpv4HeaderLen) return 0;
    IcmpMessage reply = echo;  // RFC 792: identifier, sequence number, data returned as they came
    reply.type = icmp_type::EchoReply;
    reply.code = 0;
    const std::size_t icmp_len = build_icmp(out.subspan(kIpv4HeaderLen), reply);
    if (icmp_len == 0) return 0;
    // RFC 1349 5.1: an Echo Reply carries the request's TOS.
    write_ip(out, request.tos, specific_destination, request.src, ip_id, icmp_len);
    return kIpv4HeaderLen + icmp_len;
}

IcmpErrorVerdict icmp_error_verdict(base::Bytes offending, const ReceivedOn& how) {
    auto v = parse_offending(offending);
    if (!v) return IcmpErrorVerdict::Malformed;
    const Ipv4Header& h = v->header;
    // RFC 1122 3.2.2: never an error about an error (two hosts could bounce
    // errors forever). Echo and other queries may be complained about.
    if (h.protocol == kProtoIcmp && !v->payload.empty() && is_icmp_error_type(v->payload[0]))
        return IcmpErrorVerdict::AboutIcmpError;
    // ... nor about a datagram to many hosts, which would answer at once
    // (RFC 1122 3.2.2; RFC 1812 4.3.2.7 calls it an amplifier).
    if (is_limited_broadcast(h.dst) || is_multicast(h.dst) ||
        (how.directed_broadcast != 0 && h.dst == how.directed_broadcast))
        return IcmpErrorVerdict::ToBroadcast;
    if (how.link_broadcast) return IcmpErrorVerdict::LinkBroadcast;
    // ... nor about a non-initial fragment: it has no transport header to
    // quote, and fragment zero (if it came) already got its error.
    if (h.frag_offset != 0) return IcmpErrorVerdict::NonInitialFragment;
    // ... nor to a source that names no single host (RFC 1122 3.2.1.3):
    // zero, broadcast, multicast, class E; loopback unless it came over our
    // loopback interface, the only place 127/8 is legitimate.
    if (is_this_network(h.src) || is_multicast(h.src) || is_class_e(h.src) ||
        (is_loopback(h.src) && !how.loopback) ||
        (how.directed_broadcast != 0 && h.src == how.directed_broadcast))
        return IcmpErrorVerdict::SourceNotAHost;
    return IcmpErrorVerdict::Send;
}

std::size_t build_icmp_error(base::MutBytes out, std::uint8_t type, std::uint8_t code,
                             base::Bytes offending, std::uint32_t source, std::uint16_t ip_id,
                             std::uint16_t next_hop_mtu) {
    auto v = parse_offending(offending);
    if (!v || out.size() < kIpv4HeaderLen) return 0;
    IcmpMessage m;
    m.type = type;
    m.code = code;
    m.next_hop_mtu = next_hop_mtu;
    // RFC 792 / RFC 1122 3.2.2: the Internet header and at least the first
    // 8 data octets; 8 is what every host understands.
    m.data = icmp_error_quote(offending);
    const std::size_t icmp_len = build_icmp(out.subspan(kIpv4HeaderLen), m);
    if (icmp_len == 0) return 0;
    write_ip(out, /*tos=*/0, source, v->header.src, ip_id, icmp_len);
    return kIpv4HeaderLen + icmp_len;
}

std::string_view to_string(IcmpErrorVerdict v) {
    switch (v) {
        case IcmpErrorVerdict::Send: return "send";
        case IcmpErrorVerdict::Malformed: return "malformed datagram";
        case IcmpErrorVerdict::AboutIcmpError: return "about an ICMP error";
        case IcmpErrorVerdict::ToBroadcast: return "to a broadcast or multicast address";
        case IcmpErrorVerdict::LinkBroadcast: return "link-layer broadcast";
        case IcmpErrorVerdict::NonInitialFragment: return "non-initial fragment";
        case IcmpErrorVerdict::SourceNotAHost: return "source is not a single host";
    }
    return "?";
}

}  // namespace ip
