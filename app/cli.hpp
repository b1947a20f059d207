// Command-line handling shared by the programs: Boost.Program_options with
// one clear line for a bad option or value, and --help listing every default.
#pragma once
#include <boost/program_options.hpp>
#include <string>
#include <string_view>

namespace app {

namespace po = boost::program_options;

// Options every program has: --help, --version, --log-level (default `level`: a server
// narrates at info, an interactive client keeps quiet at warning).
void add_common_options(po::options_description& desc, const char* level = "info");

// Parses argv; on --help prints usage and exits 0, on --version one line
// "NAME (ustack) VERSION" and exits 0; on a bad option prints
// "NAME: ERROR (see --help)" and exits 2. Applies --log-level.
po::variables_map parse_command_line(const std::string& name, int argc, char** argv,
                                     const po::options_description& desc,
                                     const po::positional_options_description* pos,
                                     const std::string& usage);

// "NAME: MSG (see --help)" on stderr, exit 2: the user's mistake.
[[noreturn]] void usage_error(const std::string& name, std::string_view msg);

// Whether the user gave the flag (not just its default).
bool given(const po::variables_map& vm, const char* flag);

}  // namespace app
