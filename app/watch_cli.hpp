// The command-line flags of stack/watch.hpp shared by every program
// that opens a stack: --pcap, --trace, --diagram, --verbose, and the fault
// injector's --drop, --drop-nth, --delay, --reorder, --duplicate, --corrupt,
// --seed (with --reorder-jitter, --bandwidth, --queue).
#pragma once
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "stack/watch.hpp"

namespace app {

// Adds the flags as two groups of their own, each listed with its default
// (--diagram, a ladder of TCP segments, only when `tcp`).
void add_watch_options(po::options_description& desc, bool tcp = true);

// Reads them; a bad value prints one line "PROG: --drop: '120' is not a
// percentage in 0..100 (see --help)" and exits 2. The trace goes to stderr,
// in colour when stderr is a terminal (and NO_COLOR is not set). With a trace
// on and no --log-level given, the tcp channel's info lines (state changes,
// which the trace shows already) are turned down to warnings.
stack::WatchOptions watch_options(const po::variables_map& vm, const std::string& name);

// The watching and fault flags the user gave ("--pcap", "--drop"...), for a
// program that cannot honour them in some mode.
std::vector<std::string> given_watch_flags(const po::variables_map& vm);

}  // namespace app
