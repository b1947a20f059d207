#include "trace/sides.hpp"

#include <utility>

#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"

namespace trace {

Dir Sides::dir_of(base::Bytes packet, bool ethernet) {
    if (ethernet) {
        auto eth = l2::parse_ethernet(packet);
        if (!eth || eth->header.type != l2::ethertype::IPv4) return Dir::Out;
        packet = eth->payload;
    }
    auto v = ip::parse_ipv4(packet, /*verify=*/false);
    // RFC 791 3.2: only the first fragment carries the ports.
    if (!v || v->header.protocol != ip::kProtoTcp || v->header.frag_offset != 0 ||
        v->payload.size() < 4)
        return Dir::Out;
    // RFC 9293 3.1: source and destination port open the TCP header.
    const tcp::Tuple sent{v->header.src, base::get_u16(v->payload.data()), v->header.dst,
                          base::get_u16(v->payload.data() + 2)};
    const tcp::Tuple back{sent.remote_ip, sent.remote_port, sent.local_ip, sent.local_port};
    const bool ordered = std::pair(sent.local_ip, sent.local_port) <
                         std::pair(sent.remote_ip, sent.remote_port);
    const tcp::Tuple key = ordered ? sent : back;
    auto it = local_.find(key);
    if (it == local_.end()) {
        if (local_.size() >= kMaxConnections) local_.clear();
        it = local_.emplace(key, sent).first;
    }
    return it->second == sent ? Dir::Out : Dir::In;
}

}  // namespace trace
