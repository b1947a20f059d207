#include "stack/cli.hpp"

#include <cstdlib>
#include <iostream>

#include "base/log.hpp"

namespace stack {

void add_common_options(po::options_description& desc, const char* level) {
    desc.add_options()("help,h", "show this help and exit")(
        "log-level", po::value<std::string>()->default_value(level),
        "trace|debug|info|warning|error|off");
}

po::variables_map parse_command_line(int argc, char** argv, const po::options_description& desc,
                                     const po::positional_options_description* pos,
                                     const std::string& usage) {
    const std::string prog = argc > 0 ? argv[0] : "app";
    po::variables_map vm;
    try {
        po::command_line_parser parser(argc, argv);
        parser.options(desc);
        if (pos) parser.positional(*pos);
        po::store(parser.run(), vm);
        if (vm.count("help")) {
            std::cout << "Usage: " << prog << " " << usage << "\n\n" << desc << "\n";
            std::exit(0);
        }
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << prog << ": " << e.what() << " (see --help)\n";
        std::exit(2);
    }
    const auto& lv = vm["log-level"].as<std::string>();
    auto level = logx::parse_level(lv);
    if (!level) {
        std::cerr << prog << ": bad --log-level '" << lv
                  << "' (use trace, debug, info, warning, error or off)\n";
        std::exit(2);
    }
    logx::init(*level);
    return vm;
}

}  // namespace stack
