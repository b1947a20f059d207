// The command-line options every app that opens a stack shares: the link
// mode, the firewall guard, and the TCP knobs worth turning in a class.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stack/cli.hpp"
#include "stack/stack.hpp"

namespace stack {

// --link, --no-firewall, --mss, --nodelay, --cc, --msl-ms, --stats; for
// packet/tap mode --ifname, --gateway, --tap-host-addr, --mac. The app adds
// --addr itself (the server's also names the listening address); in packet
// and tap mode it is our address A/len.
void add_stack_options(po::options_description& desc);

// Builds the stack's options from the parsed flags; a bad value prints one
// line "PROG: ..." and exits 2.
StackOptions stack_options(const po::variables_map& vm, const std::string& prog);

// "10.0.0.1" or "localhost" -> host-order address; anything else nullopt
// (no DNS: a typo must not send traffic anywhere).
std::optional<std::uint32_t> parse_host(std::string_view text);

}  // namespace stack
