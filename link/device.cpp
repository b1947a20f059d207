#include "link/device.hpp"

#include <algorithm>
#include <cerrno>
#include <vector>

#include "base/log.hpp"
#include "link/gso_checksum.hpp"

namespace l2 {

int Device::send_gso(base::Bytes packet, std::uint16_t gso_size) {
    if (gso_size == 0) return send(packet);
    // RFC 9293 3.1: the checksum on the wire must be whole; a device that
    // does not segment has no hardware to finish it, so it is finished here.
    std::vector<std::uint8_t> whole(packet.begin(), packet.end());
    if (!finish_tcp_checksum(whole, framing())) {
        LOG(link, debug) << name() << ": a " << packet.size()
                         << "-byte super-packet that is no IPv4 TCP packet; dropped";
        return EINVAL;
    }
    return send(whole);
}

void join_parts(const GsoParts& parts, std::vector<std::uint8_t>& out) {
    out.resize(parts.size());
    auto at = std::copy(parts.head.begin(), parts.head.end(), out.begin());
    at = std::copy(parts.p1.begin(), parts.p1.end(), at);
    std::copy(parts.p2.begin(), parts.p2.end(), at);
}

int Device::send_gso_parts(const GsoParts& parts) {
    join_parts(parts, joined_);
    return send_gso(joined_, parts.gso_size);
}

}  // namespace l2
