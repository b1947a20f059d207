// Field-by-field dumps of the IP layer's headers (IPv4, ICMP, UDP) for debug
// logs, one line per field in the order of the RFC diagram, with how to read
// the value (see base/dump.hpp).
#pragma once
#include <string>

#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"
#include "ip/udp.hpp"

namespace ip {

std::string dump(const Ipv4Header& h);
std::string dump(const IcmpMessage& m);
std::string dump(const UdpHeader& h);

// "ICMP", "TCP", "UDP", or "unknown".
const char* protocol_name(std::uint8_t protocol);

}  // namespace ip
