// Raw mode sends its TCP super-segments to the kernel's own addresses as
// frames on lo (link/raw_ip). A frame sent on lo by a packet socket comes
// in without the route the kernel's own output attaches, so the kernel's
// input judges it as if it came from a wire: with 127/8 addresses it is a
// martian (RFC 1122 3.2.1.3 forbids them on a wire) unless lo's
// route_localnet is on, and with a local source address it is refused
// unless lo's accept_local is on (ip-sysctl: conf/*/route_localnet,
// accept_local). Both on lo concern only frames that programs with
// CAP_NET_RAW put there: nothing from a wire arrives on lo.
#pragma once
#include <string>

namespace os {

// Turns both on for lo where they are off, in this network namespace; they
// stay on after we exit, as ip_forward stays on after a container runtime
// set it. True when both are on.
bool allow_loopback_frames();
// What allow_loopback_frames() turned on in this process, or could not, as
// one line for the log once the program is up ("" when it changed nothing).
std::string loopback_frames_note();
// Whether both are on for lo now (two small reads of /proc).
bool loopback_frames_allowed();

}  // namespace os
