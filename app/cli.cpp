#include "app/cli.hpp"

#include <cstdlib>
#include <iostream>

#include "app/version.hpp"
#include "base/log.hpp"

namespace app {

void add_common_options(po::options_description& desc, const char* level) {
    desc.add_options()("help,h", "show this help and exit")(
        "version,V", "print the version and exit")(
        "log-level", po::value<std::string>()->default_value(level),
        "trace|debug|info|warning|error|off");
}

void usage_error(const std::string& name, std::string_view msg) {
    std::cerr << name << ": " << msg << " (see --help)\n";
    std::exit(2);
}

bool given(const po::variables_map& vm, const char* flag) {
    return vm.count(flag) && !vm[flag].defaulted();
}

po::variables_map parse_command_line(const std::string& name, int argc, char** argv,
                                     const po::options_description& desc,
                                     const po::positional_options_description* pos,
                                     const std::string& usage) {
    po::variables_map vm;
    try {
        po::command_line_parser parser(argc, argv);
        parser.options(desc);
        if (pos) parser.positional(*pos);
        po::store(parser.run(), vm);
        if (vm.count("help")) {
            std::cout << "Usage: " << name << " " << usage << "\n\n" << desc << "\n";
            std::exit(0);
        }
        if (vm.count("version")) {
            std::cout << name << " (ustack) " << kVersion << "\n";
            std::exit(0);
        }
        po::notify(vm);
    } catch (const po::error& e) {
        usage_error(name, e.what());
    }
    const auto& lv = vm["log-level"].as<std::string>();
    auto level = logx::parse_level(lv);
    if (!level) usage_error(name, "bad --log-level '" + lv + "' (use trace, debug, info, warning, error or off)");
    logx::init(*level);
    return vm;
}

}  // namespace app
