// The classic BPF program (SO_ATTACH_FILTER, the kernel's
// Documentation/networking/filter.rst) that raw mode's TCP socket runs on
// every segment before queueing it for us: accept it whole when its
// destination port is one the stack holds, else drop it.
//
// The destination port alone decides. A segment we sent that loops back on
// lo carries our port as its source and the peer's as its destination, so
// it is dropped, unless the peer's port is ours too: then it is a segment
// between two of our own sockets (a client and a server of this stack on
// one address) and is for us. Other programs' traffic has a destination
// port we do not hold.
#pragma once
#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <vector>

namespace l2 {

// The program for a socket whose packets start at the IPv4 header (raw
// sockets). An empty `ports` drops everything; repeated ports are kept
// once. At most kMaxFilterPorts ports: beyond that the program accepts
// every segment (the host still checks each one).
inline constexpr std::size_t kMaxFilterPorts = 1000;
std::vector<sock_filter> tcp_port_filter(std::span<const std::uint16_t> ports);

}  // namespace l2
