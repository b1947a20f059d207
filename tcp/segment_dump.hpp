// Field-by-field dump of a TCP header for debug logs, one line per field in
// the order of the RFC 9293 3.1 diagram, options as tcpdump names them.
#pragma once
#include <string>

#include "tcp/segment.hpp"

namespace tcp {

std::string dump(const Header& h);

}  // namespace tcp
