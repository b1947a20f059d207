// The command-line options every program that opens a stack shares: the
// link mode, the firewall guard, and the TCP knobs worth turning in a class.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/cli.hpp"
#include "stack/stack.hpp"

namespace app {

// --link, --no-firewall, --mss, --nodelay, --cc, --msl-ms, --stats; for
// packet/tap mode --ifname, --gateway, --tap-host-addr, --mac. The program
// adds --addr itself (the server's also names the listening address in raw
// mode); in packet and tap mode it is our address A/len.
void add_stack_options(po::options_description& desc);

// What --addr means in raw mode, where the kernel owns the address.
enum class RawAddr {
    Listen,     // the server: the local address to listen on, a bare dotted quad
    NotTaken,   // client, ping: nothing to give (--addr is then a mistake)
};

// Builds the stack's options from the parsed flags. A bad value, or a flag
// that cannot work in the chosen link mode, prints one line "NAME: ..." and
// exits 2, before anything is opened.
stack::StackOptions stack_options(const po::variables_map& vm, const std::string& name,
                                  RawAddr raw_addr);

// "10.0.0.1" or "localhost" -> host-order address; anything else nullopt
// (no DNS: a typo must not send traffic anywhere).
std::optional<std::uint32_t> parse_host(std::string_view text);

}  // namespace app
