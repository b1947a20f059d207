// Raw mode: the kernel routes, so it chooses our source address toward a
// destination (RFC 1122 3.3.4.3). Asked the way any program can: a
// connected UDP socket, from which no packet is ever sent.
#pragma once
#include <cstdint>

#include "base/error.hpp"

namespace os {

// Unreachable when the kernel has no route to dst.
base::Result<std::uint32_t> kernel_source_for(std::uint32_t dst);

}  // namespace os
