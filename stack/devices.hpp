// Opening the devices a stack runs on, and describing each to the host as
// one of its interfaces. Internal to stack/.
#pragma once
#include <vector>

#include "stack/core.hpp"

namespace stack {

// Raw mode: the raw IPv4 socket, as the host's one interface (no address of
// its own: the kernel's are ours). Throws l2::DeviceError.
std::vector<Attached> open_raw(const StackOptions& opts);

// Packet/tap mode (and devices handed in by tests): every interface of
// opts.interfaces (and opts.device, a point-to-point IPv4 link), then the
// in-stack loopback 127.0.0.1/8. Throws StackError or l2::DeviceError with
// one line.
std::vector<Attached> open_host_devices(StackOptions& opts);

}  // namespace stack
