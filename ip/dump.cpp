#include "ip/dump.hpp"

#include "base/dump.hpp"

namespace ip {

namespace {
// RFC 3168 5: the ECN codepoint in the low two bits of the old TOS byte.
const char* ecn_name(std::uint8_t ecn) {
    static constexpr const char* names[] = {"Not-ECT", "ECT(1)", "ECT(0)", "CE"};
    return names[ecn & 3];
}

const char* frag_flags(const Ipv4Header& h) {
    if (h.df && h.mf) return "DF,MF";
    if (h.df) return "DF";
    if (h.mf) return "MF";
    return "none";
}

std::string text(std::string_view s) { return std::string(s); }
}  // namespace

const char* protocol_name(std::uint8_t protocol) {
    switch (protocol) {
        case kProtoIcmp: return "ICMP";
        case kProtoTcp: return "TCP";
        case kProtoUdp: return "UDP";
        default: return "unknown";
    }
}

std::string dump(const Ipv4Header& h) {
    const unsigned hlen = h.ihl * 4u;
    const std::uint16_t flags_offset = static_cast<std::uint16_t>(
        (h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0) | h.frag_offset);
    base::FieldDump d;
    d.add("version/ihl", "0x%02x [version=4, ihl=%u (%u bytes)]", 0x40u | h.ihl, h.ihl, hlen);
    // RFC 2474 3 and RFC 3168 5 split RFC 791's Type of Service into DSCP and ECN.
    d.add("tos", "0x%02x [dscp=%u, ecn=%s]", h.tos, h.tos >> 2u, ecn_name(h.tos));
    d.add("total length", "%u [header=%u, payload=%d]", h.total_length, hlen,
          static_cast<int>(h.total_length) - static_cast<int>(hlen));
    d.add("id", "%u (0x%04x)", h.id, h.id);
    d.add("offset", "0x%04x [flags=%s, offset=%u (%u bytes)]", flags_offset, frag_flags(h),
          h.frag_offset, h.frag_offset * 8u);
    d.add("ttl", "%u", h.ttl);
    d.add("protocol", "%u (%s)", h.protocol, protocol_name(h.protocol));
    d.add("checksum", "0x%04x", h.checksum);
    d.add("src", "%s", addr_to_string(h.src).c_str());
    d.add("dst", "%s", addr_to_string(h.dst).c_str());
    return d.str();
}

std::string dump(const IcmpMessage& m) {
    base::FieldDump d;
    d.add("type", "%u (%s)", m.type, text(icmp_type_name(m.type)).c_str());
    const std::string code = text(icmp_code_name(m.type, m.code));
    if (code.empty())
        d.add("code", "%u", m.code);
    else
        d.add("code", "%u (%s)", m.code, code.c_str());
    d.add("checksum", "0x%04x", m.checksum);
    if (m.is_error()) {
        if (m.next_hop_mtu) d.add("next-hop mtu", "%u", m.next_hop_mtu);
        auto q = parse_ipv4_quoted(m.data);
        if (q)
            d.add("original", "%zu bytes [%s > %s, protocol=%u (%s), id=%u]", m.data.size(),
                  addr_to_string(q->header.src).c_str(), addr_to_string(q->header.dst).c_str(),
                  q->header.protocol, protocol_name(q->header.protocol), q->header.id);
        else
            d.add("original", "%zu bytes [%s]", m.data.size(), text(base::to_string(q.error)).c_str());
    } else {
        d.add("id", "%u", m.id);
        d.add("seq", "%u", m.seq);
        d.add("data", "%zu bytes", m.data.size());
    }
    return d.str();
}

std::string dump(const UdpHeader& h) {
    base::FieldDump d;
    d.add("src port", "%u", h.src_port);
    d.add("dst port", "%u", h.dst_port);
    d.add("length", "%u [header=8, payload=%d]", h.length, static_cast<int>(h.length) - 8);
    d.add("checksum", h.checksum ? "0x%04x" : "0x%04x (none)", h.checksum);
    return d.str();
}

}  // namespace ip
