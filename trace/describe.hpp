// One line per segment for trace logs ("in 127.0.0.1:40000 > 127.0.0.1:8080
// [SYN] seq=... win=... len=0"), at trace level; --trace has its own format.
#pragma once
#include <cstdint>
#include <sstream>
#include <string>

#include "ip/ipv4.hpp"
#include "tcp/segment.hpp"

namespace trace {

inline std::string describe(const char* dir, std::uint32_t src, std::uint32_t dst,
                            const tcp::Header& h, std::size_t payload_len) {
    std::ostringstream os;
    os << dir << " " << ip::addr_to_string(src) << ":" << h.src_port << " > "
       << ip::addr_to_string(dst) << ":" << h.dst_port << " [" << tcp::flags_to_string(h.flags)
       << "] seq=" << h.seq;
    if (h.has(tcp::flag::ACK)) os << " ack=" << h.ack;
    os << " win=" << h.window << " len=" << payload_len;
    return os.str();
}

}  // namespace trace
