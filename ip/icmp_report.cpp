#include "ip/icmp_report.hpp"

#include <algorithm>

#include "ip/ipv4.hpp"

namespace ip {

namespace {
// Destination Unreachable codes: which mean "give up" and which "maybe later".
bool unreachable_is_hard(std::uint8_t code) {
    switch (code) {
        // RFC 1122 3.2.2.1: net, host and source route failed "may result
        // from a routing transient and MUST therefore be interpreted as only
        // a hint"; RFC 1122 4.2.3.9: TCP "MUST NOT abort" on them.
        case unreachable::Net:
        case unreachable::Host:
        case unreachable::SourceRouteFailed:
            return false;
        // RFC 1122 4.2.3.9 lists code 4 with the hard ones, but RFC 1191
        // (later) makes it Path MTU Discovery's signal: shrink and resend,
        // never abort. Every TCP segment we send carries DF.
        case unreachable::FragmentationNeeded:
            return false;
        // RFC 1122 4.2.3.9: protocol and port unreachable are hard. The
        // later codes (unknown net/host, administratively prohibited, ...)
        // are not transients either; Linux treats them as fatal too.
        default:
            return true;
    }
}
// What the datagram we sent was: its addresses and protocol, and the first
// bytes of its payload, which name the ports or the echo.
void quote(IcmpErrorReport& r, const Ipv4Header& ours, base::Bytes payload) {
    r.protocol = ours.protocol;
    r.local_ip = ours.src;
    r.remote_ip = ours.dst;
    r.quoted_payload = payload;
    const Ipv4View original{ours, {}, payload};
    if (const auto ports = quoted_ports(original)) {
        r.local_port = ports->src;
        r.remote_port = ports->dst;
    }
    r.tcp_seq = quoted_tcp_seq(original);
    r.quoted_length = ours.total_length;
    if (const auto echo = quoted_echo(original)) {
        r.quotes_echo = true;
        r.echo_id = echo->id;
        r.echo_seq = echo->seq;
    }
}

}  // namespace

IcmpErrorReport local_host_unreachable(const Ipv4View& ours) {
    IcmpErrorReport r;
    r.type = icmp_type::DestinationUnreachable;
    r.code = unreachable::Host;
    r.reporter = ours.header.src;
    // Only the first fragment names the ports.
    const auto first = ours.payload.first(std::min<std::size_t>(ours.payload.size(), 8));
    quote(r, ours.header, ours.header.frag_offset == 0 ? first : base::Bytes{});
    r.hard = true;
    return r;
}

std::optional<IcmpErrorReport> icmp_error_report(const IcmpView& icmp, std::uint32_t reporter) {
    const IcmpMessage& m = icmp.message;
    if (!m.is_error()) return std::nullopt;
    IcmpErrorReport r;
    r.type = m.type;
    r.code = m.code;
    r.reporter = reporter;
    const Ipv4Header& quoted = icmp.original.header;
    quote(r, quoted, icmp.original.payload);  // parse_icmp checked: at least 8 bytes
    // RFC 1122 4.2.3.9: Time Exceeded is soft ("TCP MUST NOT abort").
    r.hard = m.type == icmp_type::DestinationUnreachable && unreachable_is_hard(m.code);
    r.next_hop_mtu = m.next_hop_mtu;
    return r;
}

}  // namespace ip
