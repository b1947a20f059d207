// server: placeholder until the raw-mode issue lands; options only.
#include <iostream>

#include "stack/cli.hpp"

int main(int argc, char** argv) {
    stack::po::options_description desc("Options");
    stack::add_common_options(desc);
    stack::parse_command_line(argc, argv, desc, nullptr, "[options]");
    std::cerr << "server: not implemented yet\n";
    return 1;
}
