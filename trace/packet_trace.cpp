#include "trace/packet_trace.hpp"

#include <cstdio>
#include <string>

#include "ip/checksum.hpp"
#include "ip/dump.hpp"
#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"
#include "ip/udp.hpp"
#include "link/arp.hpp"
#include "link/dump.hpp"
#include "link/ethernet.hpp"
#include "tcp/segment.hpp"
#include "tcp/segment_dump.hpp"

namespace trace {

namespace {

std::string format(const char* fmt, auto... args) {
    char buf[160];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return buf;
}

// One captured unit on its way through the decoders: the field dumps of the
// headers parsed so far wait in `details` until the summary line is out.
struct Decode {
    Tracer& tracer;
    const Captured& c;
    bool verbose;
    std::string details;

    // A header's fields under a title naming the diagram they follow.
    void add_detail(const char* title, const std::string& dump) {
        if (!verbose) return;
        if (!details.empty()) details += '\n';
        details += std::string(title) + '\n' + dump;
    }
    void say(const std::string& src, const std::string& dst, const std::string& text,
             bool alarm = false) {
        if (c.lost) tracer.note(c.dir, c.at, src, dst, text + "  LOST (fault injector)", true);
        else tracer.note(c.dir, c.at, src, dst, text, alarm);
        flush();
    }
    void flush() {
        if (!details.empty()) tracer.detail(details);
        details.clear();
    }
};

std::string addr(std::uint32_t a) { return ip::addr_to_string(a); }

void arp(Decode& d, const l2::EthernetHeader& eth, base::Bytes payload) {
    const std::string src = eth.src.to_string(), dst = eth.dst.to_string();
    auto a = l2::parse_arp(payload);
    if (!a) {
        d.say(src, dst, "ARP not decoded: " + std::string(base::to_string(a.error)), true);
        return;
    }
    d.add_detail("ARP packet (RFC 826)", l2::dump(*a));
    // RFC 826: a request asks who has the target address; a reply says.
    if (a->op == l2::ArpOp::Request)
        d.say(src, dst, "ARP Request who-has " + addr(a->tpa) + "? tell " + addr(a->spa));
    else
        d.say(src, dst, "ARP Reply " + addr(a->spa) + " is-at " + a->sha.to_string());
}

// The addresses (and, for TCP and UDP, the ports) an ICMP error's quoted
// datagram was sent from and to.
std::string quoted_flow(const ip::Ipv4View& q) {
    const auto& h = q.header;
    std::string s = ip::protocol_name(h.protocol);
    if (const auto ports = ip::quoted_ports(q))
        return s + ' ' + addr(h.src) + ':' + std::to_string(ports->src) + " > " + addr(h.dst) +
               ':' + std::to_string(ports->dst);
    return s + ' ' + addr(h.src) + " > " + addr(h.dst);
}

void icmp(Decode& d, const ip::Ipv4Header& iph, base::Bytes payload) {
    const std::string src = addr(iph.src), dst = addr(iph.dst);
    auto m = ip::parse_icmp(payload, /*verify=*/false);
    if (!m) {
        // An unsupported message still names its type (parse_icmp).
        const std::string why = m.error == base::ParseError::Unsupported
                                    ? "type " + std::to_string(m.value.message.type) + " not decoded"
                                    : "not decoded: " + std::string(base::to_string(m.error));
        d.say(src, dst, "ICMP " + why, m.error != base::ParseError::Unsupported);
        return;
    }
    d.add_detail("ICMP message (RFC 792)", ip::dump(m->message));
    const auto& msg = m->message;
    std::string text = "ICMP " + std::string(ip::icmp_type_name(msg.type));
    if (msg.is_error())
        text += " (" + std::string(ip::icmp_code_name(msg.type, msg.code)) + ") for " +
                quoted_flow(m->original);
    else
        text += format(" id=%u seq=%u len=%zu", unsigned{msg.id}, unsigned{msg.seq}, msg.data.size());
    // ICMP has no pseudo-header and is never offloaded: its sum always counts.
    const bool ok = ip::checksum(payload) == 0;
    if (!ok) text += "  BAD CHECKSUM";
    d.say(src, dst, text, !ok || msg.is_error());
}

// The transport checksum unless the kernel left it to the hardware.
const char* transport_remark(const Decode& d, const ip::Ipv4Header& iph, base::Bytes segment,
                             bool& bad) {
    if (d.c.checksum_not_ready) return "cksum offloaded";
    bad = !ip::transport_checksum_ok(iph.src, iph.dst, iph.protocol, segment);
    return bad ? "BAD CHECKSUM" : "";
}

void udp(Decode& d, const ip::Ipv4Header& iph, base::Bytes payload) {
    auto u = ip::parse_udp(payload, iph.src, iph.dst, /*verify=*/false);
    if (!u) {
        d.say(addr(iph.src), addr(iph.dst), "UDP not decoded: " + std::string(base::to_string(u.error)),
              true);
        return;
    }
    d.add_detail("UDP header (RFC 768)", ip::dump(u->header));
    bool bad = false;
    // RFC 768: a zero checksum means the sender computed none.
    const char* remark = u->header.checksum == 0 ? "" : transport_remark(d, iph, payload, bad);
    std::string text = format("UDP len=%zu", u->payload.size());
    if (*remark) text += std::string("  ") + remark;
    d.say(endpoint(iph.src, u->header.src_port), endpoint(iph.dst, u->header.dst_port),
          text, bad);
}

void tcp_segment(Decode& d, const ip::Ipv4Header& iph, base::Bytes payload) {
    auto seg = tcp::parse(payload, iph.src, iph.dst, /*verify=*/false);
    if (!seg) {
        d.say(addr(iph.src), addr(iph.dst), "TCP not decoded: " + std::string(base::to_string(seg.error)),
              true);
        return;
    }
    bool bad = false;
    const char* remark = transport_remark(d, iph, payload, bad);
    d.tracer.segment(TracedSegment{.dir = d.c.dir,
                                   .at = d.c.at,
                                   .src_ip = iph.src,
                                   .dst_ip = iph.dst,
                                   .header = seg->header,
                                   .payload_len = seg->payload.size(),
                                   .lost = d.c.lost,
                                   .remark = remark,
                                   .remark_alarm = bad});
    d.add_detail("TCP header (RFC 9293 3.1)", tcp::dump(seg->header));
    d.flush();
}

void ipv4(Decode& d, base::Bytes packet) {
    auto p = ip::parse_ipv4(packet, /*verify=*/false);
    if (!p) {
        d.say("?", "?", format("IPv4 packet of %zu bytes not decoded: ", packet.size()) +
                            std::string(base::to_string(p.error)), true);
        return;
    }
    const ip::Ipv4Header& h = p->header;
    d.add_detail("IPv4 header (RFC 791 3.1)", ip::dump(h));
    // RFC 791 3.1: the header checksum covers the header only.
    if (ip::checksum(packet.first(std::size_t{h.ihl} * 4)) != 0) {
        d.say(addr(h.src), addr(h.dst), "IPv4 BAD HEADER CHECKSUM (a host drops it)", true);
        return;
    }
    if (h.is_fragment()) {
        // RFC 791 3.2: the transport header is read after reassembly.
        d.say(addr(h.src), addr(h.dst),
              format("IPv4 fragment id=%u offset=%u%s %s len=%zu", unsigned{h.id},
                     h.frag_offset * 8u, h.mf ? " MF" : "", ip::protocol_name(h.protocol),
                     p->payload.size()));
        return;
    }
    switch (h.protocol) {
        case ip::kProtoTcp: tcp_segment(d, h, p->payload); break;
        case ip::kProtoUdp: udp(d, h, p->payload); break;
        case ip::kProtoIcmp: icmp(d, h, p->payload); break;
        default:
            d.say(addr(h.src), addr(h.dst),
                  format("IPv4 protocol %u not decoded, len=%zu", unsigned{h.protocol},
                         p->payload.size()));
    }
}

}  // namespace

void trace_frame(Tracer& tracer, const Captured& c, bool verbose) {
    Decode d{tracer, c, verbose, {}};
    auto eth = l2::parse_ethernet(c.bytes);
    if (!eth) {
        d.say("?", "?", format("frame of %zu bytes not decoded: ", c.bytes.size()) +
                            std::string(base::to_string(eth.error)), true);
        return;
    }
    d.add_detail("Ethernet II header (IEEE 802.3 3.1, RFC 894)", l2::dump(eth->header));
    switch (eth->header.type) {
        case l2::ethertype::ARP: arp(d, eth->header, eth->payload); break;
        case l2::ethertype::IPv4: ipv4(d, eth->payload); break;
        default: {
            // The one a lab veth carries most (router solicitations, MLD).
            const char* name = eth->header.type == 0x86dd ? " (IPv6)" : "";
            d.say(eth->header.src.to_string(), eth->header.dst.to_string(),
                  format("ethertype 0x%04x%s not decoded", unsigned{eth->header.type}, name));
        }
    }
}

void trace_ipv4(Tracer& tracer, const Captured& c, bool verbose) {
    Decode d{tracer, c, verbose, {}};
    ipv4(d, c.bytes);
}

}  // namespace trace
