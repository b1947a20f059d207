// Packets out: the stack's tcp::SegmentSink. Every IPv4 header byte is ours
// (raw mode sends with IP_HDRINCL), so this is where the header is built;
// send_ip (host_out.cpp) routes it and puts it on a link.
#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "stack/core.hpp"
#include "trace/describe.hpp"

namespace stack {

void Core::send_segment(const tcp::Tuple& t, const tcp::Header& h, base::Bytes p1,
                        base::Bytes p2) {
    const std::size_t tcp_len = tcp::kHeaderMin + h.options.wire_length() + p1.size() + p2.size();
    const std::size_t total = ip::kIpv4HeaderLen + tcp_len;
    if (total > tx_buf_.size()) {
        LOG(stack, error) << "segment of " << total << " bytes does not fit the link; dropped";
        ++counters_.send_errors;
        return;
    }
    ip::Ipv4Header ih;
    ih.total_length = static_cast<std::uint16_t>(total);
    ih.id = next_ip_id_++;  // RFC 6864: any value will do for an atomic datagram
    ih.df = true;           // RFC 1191: TCP segments are sized by MSS, never fragmented
    ih.ttl = 64;            // RFC 1700's recommended default, like Linux
    ih.protocol = ip::kProtoTcp;
    ih.src = t.local_ip;
    ih.dst = t.remote_ip;

    base::MutBytes out(tx_buf_.data(), total);
    ip::build_ipv4_header(out, ih);
    tcp::build(out.subspan(ip::kIpv4HeaderLen), h, t.local_ip, t.remote_ip, p1, p2);
    LOG(stack, trace) << trace::describe("out", t.local_ip, t.remote_ip, h, p1.size() + p2.size());

    // To TCP a packet the device refused is a lost packet; it retransmits.
    send_ip(out);
}

}  // namespace stack
