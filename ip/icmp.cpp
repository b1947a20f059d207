#include "ip/icmp.hpp"

#include <algorithm>
#include <cstring>

#include "ip/checksum.hpp"

namespace ip {

using base::get_u16;
using base::get_u32;
using base::ParseError;
using base::put_u16;

base::Parsed<IcmpView> parse_icmp(base::Bytes message, bool verify) {
    using P = base::Parsed<IcmpView>;
    if (message.size() < kIcmpHeaderLen) return P::fail(ParseError::Truncated);
    // RFC 792: the checksum covers the whole ICMP message, type onwards.
    if (verify && checksum(message) != 0) return P::fail(ParseError::BadChecksum);
    const std::uint8_t* p = message.data();
    IcmpView v;
    IcmpMessage& m = v.message;
    m.type = p[0];
    m.code = p[1];
    m.checksum = get_u16(p + 2);
    m.data = message.subspan(kIcmpHeaderLen);
    switch (m.type) {
        case icmp_type::Echo:
        case icmp_type::EchoReply:
            m.id = get_u16(p + 4);
            m.seq = get_u16(p + 6);
            break;
        case icmp_type::DestinationUnreachable:
        case icmp_type::TimeExceeded: {
            if (m.type == icmp_type::DestinationUnreachable &&
                m.code == unreachable::FragmentationNeeded)
                m.next_hop_mtu = get_u16(p + 6);  // RFC 1191 4: low half of the word
            auto original = parse_ipv4_quoted(m.data);
            if (!original) return P::fail(original.error);
            v.original = *original;
            break;
        }
        default:
            return P{v, ParseError::Unsupported};
    }
    return P{v, ParseError::None};
}

std::optional<QuotedPorts> quoted_ports(const Ipv4View& original) {
    const std::uint8_t proto = original.header.protocol;
    if ((proto != kProtoTcp && proto != kProtoUdp) || original.payload.size() < 4)
        return std::nullopt;
    const std::uint8_t* p = original.payload.data();
    return QuotedPorts{get_u16(p), get_u16(p + 2)};
}

std::optional<std::uint32_t> quoted_tcp_seq(const Ipv4View& original) {
    if (original.header.protocol != kProtoTcp || original.payload.size() < 8) return std::nullopt;
    return get_u32(original.payload.data() + 4);
}

std::uint16_t plateau_below(std::uint16_t size) {
    static constexpr std::uint16_t kPlateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (const auto p : kPlateaus)
        if (p < size) return p;
    return 68;
}

std::optional<QuotedEcho> quoted_echo(const IcmpView& icmp) {
    if (!icmp.message.is_error()) return std::nullopt;
    return quoted_echo(icmp.original);
}

std::optional<QuotedEcho> quoted_echo(const Ipv4View& original) {
    if (original.header.protocol != kProtoIcmp) return std::nullopt;
    // The quote is cut short, so its checksum cannot verify.
    auto echo = parse_icmp(original.payload, /*verify=*/false);
    if (!echo || echo->message.type != icmp_type::Echo) return std::nullopt;
    return QuotedEcho{echo->message.id, echo->message.seq};
}

std::size_t build_icmp(base::MutBytes out, const IcmpMessage& m) {
    const std::size_t total = kIcmpHeaderLen + m.data.size();
    if (out.size() < total) return 0;
    std::uint8_t* p = out.data();
    p[0] = m.type;
    p[1] = m.code;
    put_u16(p + 2, 0);  // RFC 792: zero while the checksum is computed
    const bool echo = m.type == icmp_type::Echo || m.type == icmp_type::EchoReply;
    const bool frag_needed = m.type == icmp_type::DestinationUnreachable &&
                             m.code == unreachable::FragmentationNeeded;
    put_u16(p + 4, echo ? m.id : 0);
    put_u16(p + 6, echo ? m.seq : frag_needed ? m.next_hop_mtu : 0);
    if (!m.data.empty()) std::memcpy(p + kIcmpHeaderLen, m.data.data(), m.data.size());
    put_u16(p + 2, checksum(out.first(total)));
    return total;
}

base::Bytes icmp_error_quote(base::Bytes datagram) {
    if (datagram.empty()) return datagram;
    const std::size_t hlen = std::size_t{datagram[0] & 0x0fu} * 4;
    return datagram.first(std::min(datagram.size(), hlen + 8));
}

std::string_view icmp_type_name(std::uint8_t type) {
    switch (type) {
        case icmp_type::EchoReply: return "EchoReply";
        case icmp_type::DestinationUnreachable: return "DestinationUnreachable";
        case icmp_type::Echo: return "Echo";
        case icmp_type::TimeExceeded: return "TimeExceeded";
        default: return "unknown";
    }
}

std::string_view icmp_code_name(std::uint8_t type, std::uint8_t code) {
    if (type == icmp_type::DestinationUnreachable) {
        switch (code) {
            case unreachable::Net: return "NetUnreachable";
            case unreachable::Host: return "HostUnreachable";
            case unreachable::Protocol: return "ProtocolUnreachable";
            case unreachable::Port: return "PortUnreachable";
            case unreachable::FragmentationNeeded: return "FragmentationNeeded";
            case unreachable::SourceRouteFailed: return "SourceRouteFailed";
            default: return "unknown";
        }
    }
    if (type == icmp_type::TimeExceeded) {
        switch (code) {
            case time_exceeded::TtlInTransit: return "TtlExceededInTransit";
            case time_exceeded::Reassembly: return "ReassemblyTimeExceeded";
            default: return "unknown";
        }
    }
    return code == 0 ? "" : "unknown";
}

}  // namespace ip
