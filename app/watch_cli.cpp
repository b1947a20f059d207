#include "app/watch_cli.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "base/log.hpp"

namespace app {

namespace {

// What --help shows as each fault flag's default.
std::string fault_default(std::string_view name) {
    if (name == "drop-nth") return "none";
    if (name == "reorder-jitter") return "10";
    if (name == "seed") return "random";
    return "0";
}

// The injector's own help, where the app's flag says it better.
std::string fault_help(const l2::FaultOption& f) {
    if (f.name == "drop-nth") return "lose the packets we send with these numbers (1-based, counted over all our packets)";
    if (f.name == "reorder-jitter") return "the largest extra delay of a reordered packet";
    return std::string(f.help);
}

}  // namespace

void add_watch_options(po::options_description& desc, bool tcp) {
    po::options_description watch("Watching (trace lines go to stderr)");
    watch.add_options()
        ("pcap", po::value<std::string>()->value_name("FILE"),
         "write every packet in and out to FILE (pcap: raw IPv4 in raw mode, Ethernet "
         "in packet/tap), flushed per packet so tshark -r can read it while we run")
        ("trace", po::bool_switch(),
         "one line per segment in and out, and the connection's events between them");
    if (tcp)
        watch.add_options()("diagram", po::bool_switch(),
                            "a ladder diagram of each connection when it ends (implies the trace)");
    watch.add_options()
        ("verbose", po::bool_switch(),
         "every header field (Ethernet, ARP, IP, ICMP, TCP) under each trace line "
         "(implies the trace)")
        ("plot", po::value<std::string>()->value_name("FILE.svg"),
         "draw each connection when it closes: a time-sequence graph (segments, "
         "retransmissions, ACKs, window, SACK) over cwnd, ssthresh, bytes in flight and RTO, "
         "as an SVG file FILE-<local port>-<peer port>.svg");
    desc.add(watch);

    po::options_description faults("Fault injection, on the packets we send");
    for (const auto& f : l2::kFaultOptions) {
        const std::string d = fault_default(f.name);
        faults.add_options()(std::string(f.name).c_str(),
                             po::value<std::string>()->value_name(std::string(f.arg))
                                 ->default_value(d, d),
                             fault_help(f).c_str());
    }
    desc.add(faults);
}

std::vector<std::string> given_watch_flags(const po::variables_map& vm) {
    std::vector<std::string> out;
    for (const char* f : {"pcap", "trace", "diagram", "verbose", "plot"})
        if (vm.count(f) && !vm[f].defaulted()) out.push_back(std::string("--") + f);
    for (const auto& f : l2::kFaultOptions)
        if (given(vm, std::string(f.name).c_str())) out.push_back("--" + std::string(f.name));
    return out;
}

stack::WatchOptions watch_options(const po::variables_map& vm, const std::string& name) {
    stack::WatchOptions w;
    if (vm.count("pcap")) {
        w.pcap = vm["pcap"].as<std::string>();
        if (w.pcap.empty()) usage_error(name, "--pcap needs a file name");
    }
    for (const auto& f : l2::kFaultOptions) {
        const std::string flag(f.name);
        if (!vm.count(flag) || vm[flag].defaulted()) continue;
        if (auto err = l2::set_fault_option(w.faults, flag, vm[flag].as<std::string>()); !err.empty())
            usage_error(name, err);
    }
    if (vm.count("plot")) {
        w.plot = vm["plot"].as<std::string>();
        if (w.plot.empty()) usage_error(name, "--plot needs a file name");
        const auto slash = w.plot.find_last_of('/');
        const std::string dir = slash == std::string::npos ? "." : w.plot.substr(0, slash + 1);
        if (::access(dir.c_str(), W_OK) != 0)
            usage_error(name, "--plot: cannot write in '" + dir + "' (no such directory, or not writable)");
    }
    w.trace = vm.count("trace") && vm["trace"].as<bool>();
    w.diagram = vm.count("diagram") && vm["diagram"].as<bool>();
    w.verbose = vm.count("verbose") && vm["verbose"].as<bool>();
    // The same rule as ls and git: colour for a person at a terminal, plain
    // text for a pipe or a file (https://no-color.org for NO_COLOR).
    w.colour = isatty(STDERR_FILENO) && !std::getenv("NO_COLOR");
    if (w.tracing() && (!vm.count("log-level") || vm["log-level"].defaulted()) &&
        logx::level(logx::Channel::tcp) < logx::Level::warning)
        logx::set_level(logx::Channel::tcp, logx::Level::warning);
    return w;
}

}  // namespace app
