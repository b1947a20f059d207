// Packet mode: the stack answers ARP for its own address on an interface
// the kernel also uses. If the kernel holds the same address there, both
// answer, and the peer's neighbour entry flips between two MACs. Asked the
// way `ip addr` shows it: getifaddrs(3).
#pragma once
#include <cstdint>
#include <string>

namespace os {

// Whether the kernel has IPv4 address `addr` (host order) on `ifname`.
bool kernel_has_address(const std::string& ifname, std::uint32_t addr);

}  // namespace os
