#include "link/port_filter.hpp"

#include <algorithm>

namespace l2 {

std::vector<sock_filter> tcp_port_filter(std::span<const std::uint16_t> in) {
    std::vector<std::uint16_t> ports(in.begin(), in.end());
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    constexpr std::uint32_t kAll = 0xffffffff;  // accept the whole packet
    if (ports.size() > kMaxFilterPorts) return {BPF_STMT(BPF_RET | BPF_K, kAll)};
    std::vector<sock_filter> prog;
    // X = the IPv4 header's length (RFC 791 3.1: IHL in 32-bit words).
    prog.push_back(BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0));
    // A = the TCP destination port (RFC 9293 3.1: bytes 2-3 of the header).
    prog.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2));
    // Per port: a match falls through to accept, else skip over it (a
    // jump is at most 255 instructions: none here is longer than one).
    for (std::uint16_t p : ports) {
        prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, p, 0, 1));
        prog.push_back(BPF_STMT(BPF_RET | BPF_K, kAll));
    }
    prog.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
    return prog;
}

}  // namespace l2
