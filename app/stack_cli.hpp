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

// --link (with --no-firewall when `firewall`); for packet/tap mode
// --ifname, --gateway, --tap-host-addr, --mac. The program adds --addr
// itself (the server's also names the listening address in raw mode); in
// packet and tap mode it is our address A/len.
void add_link_options(po::options_description& desc, bool firewall);
// --mss, --nodelay, --no-sack, --cc, --msl-ms, --stats: for programs that
// speak TCP.
void add_tcp_options(po::options_description& desc);
// All three groups: link (with --no-firewall), TCP, watch (app/watch_cli).
void add_stack_options(po::options_description& desc);

// What --addr means in raw mode, where the kernel owns the address.
enum class RawAddr {
    Listen,     // the server: the local address to listen on, a bare dotted quad
    NotTaken,   // client, ping: nothing to give (--addr is then a mistake)
};

// Builds the stack's options from the parsed flags (the TCP ones only if
// the program added them). A bad value, or a flag that cannot work in the
// chosen link mode, prints one line "NAME: ..." and exits 2, before anything
// is opened: also --link tap without --tap-host-addr, and --link packet with
// an --addr the kernel already has on --ifname.
stack::StackOptions stack_options(const po::variables_map& vm, const std::string& name,
                                  RawAddr raw_addr);

// "10.0.0.1" or "localhost" -> host-order address; anything else nullopt
// (no DNS: a typo must not send traffic anywhere).
std::optional<std::uint32_t> parse_host(std::string_view text);

// What the user typed as a host: a dotted quad (or "localhost"), else a
// name looked up with getaddrinfo (AF_INET). `error` is one line when
// neither worked; `usage` then says it was a malformed address.
struct Resolved {
    std::uint32_t addr = 0;
    std::string error;
    bool usage = true;
};
Resolved resolve_host(const std::string& text);

}  // namespace app
