// Command-line handling shared by the apps: Boost.Program_options with one
// clear line for a bad option or value, and --help listing every default.
#pragma once
#include <boost/program_options.hpp>
#include <string>

namespace stack {

namespace po = boost::program_options;

// Options every app has: --help, --log-level (default `level`: a server
// narrates at info, an interactive client keeps quiet at warning).
void add_common_options(po::options_description& desc, const char* level = "info");

// Parses argv; on --help prints usage and exits 0; on a bad option prints
// "PROG: ERROR (see --help)" and exits 2. Applies --log-level.
po::variables_map parse_command_line(int argc, char** argv, const po::options_description& desc,
                                     const po::positional_options_description* pos,
                                     const std::string& usage);

}  // namespace stack
