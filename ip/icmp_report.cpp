#include "ip/icmp_report.hpp"

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
}  // namespace

std::optional<IcmpErrorReport> icmp_error_report(const IcmpView& icmp, std::uint32_t reporter) {
    const IcmpMessage& m = icmp.message;
    if (!m.is_error()) return std::nullopt;
    IcmpErrorReport r;
    r.type = m.type;
    r.code = m.code;
    r.reporter = reporter;
    const Ipv4Header& quoted = icmp.original.header;
    r.protocol = quoted.protocol;
    r.local_ip = quoted.src;
    r.remote_ip = quoted.dst;
    r.quoted_payload = icmp.original.payload;  // parse_icmp checked: at least 8 bytes
    if (const auto ports = quoted_ports(icmp.original)) {
        r.local_port = ports->src;
        r.remote_port = ports->dst;
    }
    // RFC 1122 4.2.3.9: Time Exceeded is soft ("TCP MUST NOT abort").
    r.hard = m.type == icmp_type::DestinationUnreachable && unreachable_is_hard(m.code);
    r.next_hop_mtu = m.next_hop_mtu;
    return r;
}

}  // namespace ip
