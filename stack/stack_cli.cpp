#include "stack/stack_cli.hpp"

#include <cstdlib>
#include <iostream>

#include "ip/ipv4.hpp"
#include "stack/watch_cli.hpp"

namespace stack {

void add_stack_options(po::options_description& desc) {
    desc.add_options()
        ("link", po::value<std::string>()->default_value("raw"),
         "link mode: raw (IPv4 through raw sockets; the kernel owns the address)")
        ("no-firewall", po::bool_switch(),
         "raw mode: do not install the nftables table that stops the kernel's RSTs")
        ("mss", po::value<unsigned>()->default_value(1460), "our MSS in bytes (RFC 9293 3.7.1)")
        ("nodelay", po::bool_switch(), "disable Nagle's algorithm (RFC 896)")
        ("no-sack", po::bool_switch(),
         "do not offer SACK (RFC 2018): loss is then found by three duplicate ACKs alone "
         "(RFC 5681 3.2), as in the textbooks")
        ("cc", po::value<std::string>()->default_value("newreno"),
         "congestion control: newreno (RFC 5681/6582) or cubic (RFC 9438)")
        ("msl-ms", po::value<unsigned>()->default_value(2000),
         "maximum segment lifetime in ms; TIME-WAIT lasts 2*MSL")
        ("stats", po::bool_switch(), "print the stack's counters at exit");
    add_watch_options(desc);  // issue 6: --pcap, --trace, faults
}

StackOptions stack_options(const po::variables_map& vm, const std::string& prog) {
    auto bad = [&](const std::string& msg) {
        std::cerr << prog << ": " << msg << " (see --help)\n";
        std::exit(2);
    };
    StackOptions o;
    o.link = vm["link"].as<std::string>();
    if (o.link != "raw") bad("--link " + o.link + " is not available yet; use --link raw");
    o.firewall = !vm["no-firewall"].as<bool>();
    const unsigned mss = vm["mss"].as<unsigned>();
    // 536 is the default every host must accept (RFC 9293 3.7.1); the
    // largest fits a 65535-byte IPv4 packet.
    if (mss < 88 || mss > 65495) bad("--mss must be between 88 and 65495");
    o.tcp.mss = static_cast<std::uint16_t>(mss);
    o.tcp.nodelay = vm["nodelay"].as<bool>();
    o.tcp.sack = !vm["no-sack"].as<bool>();
    o.tcp.congestion = vm["cc"].as<std::string>();
    if (o.tcp.congestion != "newreno" && o.tcp.congestion != "cubic")
        bad("--cc must be newreno or cubic");
    const unsigned msl = vm["msl-ms"].as<unsigned>();
    if (msl > 600000) bad("--msl-ms must be at most 600000");
    o.tcp.msl = std::chrono::milliseconds(msl);
    o.watch = watch_options(vm, prog);  // issue 6
    return o;
}

std::optional<std::uint32_t> parse_host(std::string_view text) {
    if (text == "localhost") return 0x7f000001;
    return ip::parse_addr(text);
}

}  // namespace stack
