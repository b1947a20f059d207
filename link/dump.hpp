// Field-by-field dumps of the link layer's headers for debug logs, one line
// per field in the order of the RFC diagram (see base/dump.hpp).
#pragma once
#include <string>

#include "link/arp.hpp"
#include "link/ethernet.hpp"

namespace l2 {

std::string dump(const EthernetHeader& h);
std::string dump(const ArpPacket& a);

}  // namespace l2
