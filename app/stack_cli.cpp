#include "app/stack_cli.hpp"

#include <cstdlib>
#include <iostream>

#include "ip/ipv4.hpp"
#include "ip/route.hpp"
#include "app/watch_cli.hpp"
#include "tcp/congestion.hpp"

namespace app {

void add_stack_options(po::options_description& desc) {
    desc.add_options()
        ("link", po::value<std::string>()->default_value("raw"),
         "link mode: raw (IPv4 through raw sockets; the kernel owns the address), packet "
         "(AF_PACKET on --ifname) or tap (a TAP device we create); in packet and tap mode the "
         "stack owns --addr")
        ("no-firewall", po::bool_switch(),
         "raw mode: do not install the nftables table that stops the kernel's RSTs")
        ("mss", po::value<unsigned>()->default_value(1460), "our MSS in bytes (RFC 9293 3.7.1)")
        ("nodelay", po::bool_switch(), "disable Nagle's algorithm (RFC 896)")
        ("no-sack", po::bool_switch(),
         "do not offer SACK (RFC 2018): loss is then found by three duplicate ACKs alone "
         "(RFC 5681 3.2), as in the textbooks")
        ("cc", po::value<std::string>()->default_value("newreno"),
         "congestion control: newreno (RFC 5681/6582), cubic (RFC 9438) or highspeed (RFC 3649)")
        ("msl-ms", po::value<unsigned>()->default_value(2000),
         "maximum segment lifetime in ms; TIME-WAIT lasts 2*MSL")
        ("stats", po::bool_switch(), "print the stack's counters at exit");
    // Packet and tap mode; --addr A/len is the program's own option.
    desc.add_options()
        ("ifname", po::value<std::string>(),
         "packet: the interface to use; tap: the name of the TAP to create (default ustk0)")
        ("gateway", po::value<std::string>(), "packet/tap: default gateway (on --addr's network)")
        ("tap-host-addr", po::value<std::string>(),
         "tap: the address A/len given to the kernel's side of the TAP")
        ("mac", po::value<std::string>(),
         "packet/tap: our MAC (packet: the interface's by default; tap: a random one)");
    add_watch_options(desc);  // --pcap, --trace, faults
}

namespace {

template <class Bad>
stack::InterfaceOptions interface_options(const po::variables_map& vm, const std::string& link, Bad bad) {
    stack::InterfaceOptions io;
    io.link = link;
    if (vm.count("ifname")) io.ifname = vm["ifname"].as<std::string>();
    if (link == "packet" && io.ifname.empty()) bad("--link packet needs --ifname (see `ip link`)");
    if (!vm.count("addr") || vm["addr"].defaulted())
        bad("--link " + link + " needs --addr A/len, our address on the link (e.g. 10.0.0.2/24)");
    const auto text = vm["addr"].as<std::string>();
    const auto a = ip::parse_interface_address(text);
    if (!a || text.find('/') == std::string::npos || a->addr == 0)
        bad("bad --addr '" + text + "' (use A/len, like 10.0.0.2/24)");
    io.addr = *a;
    if (vm.count("tap-host-addr")) {
        if (link != "tap") bad("--tap-host-addr is for --link tap");
        const auto t = vm["tap-host-addr"].as<std::string>();
        const auto h = ip::parse_interface_address(t);
        if (!h || t.find('/') == std::string::npos) bad("bad --tap-host-addr '" + t + "' (use A/len)");
        io.tap_host = *h;
    }
    if (vm.count("mac")) {
        const auto m = l2::MacAddr::parse(vm["mac"].as<std::string>());
        if (!m || m->is_multicast() || *m == l2::MacAddr{})
            bad("bad --mac '" + vm["mac"].as<std::string>() + "' (a unicast MAC like 02:00:00:00:00:02)");
        io.mac = *m;
    }
    return io;
}

// Raw mode: the kernel owns the address, the interfaces and the routes, so
// the flags that name them cannot work; say so rather than ignore them.
template <class Bad>
void check_raw_flags(const po::variables_map& vm, RawAddr raw_addr, Bad bad) {
    for (const char* f : {"ifname", "gateway", "tap-host-addr", "mac"})
        if (given(vm, f))
            bad(std::string("--") + f + " is for --link packet or tap (in raw mode the kernel "
                "owns the interfaces and routes)");
    if (!given(vm, "addr")) return;
    const auto text = vm["addr"].as<std::string>();
    if (raw_addr == RawAddr::NotTaken)
        bad("--addr is for --link packet or tap (in raw mode our address is the kernel's)");
    if (text.find('/') != std::string::npos)
        bad("--addr '" + text + "': raw mode takes a bare address to listen on (A/len is for "
            "--link packet or tap)");
}

}  // namespace

stack::StackOptions stack_options(const po::variables_map& vm, const std::string& name,
                                  RawAddr raw_addr) {
    auto bad = [&](const std::string& msg) { usage_error(name, msg); };
    stack::StackOptions o;
    o.link = vm["link"].as<std::string>();
    if (o.link != "raw" && o.link != "packet" && o.link != "tap")
        bad("--link must be raw, packet or tap");
    if (o.link == "raw") {
        check_raw_flags(vm, raw_addr, bad);
    } else {
        if (vm["no-firewall"].as<bool>())
            bad("--no-firewall is for raw mode (in packet and tap mode the kernel never sees our segments)");
        o.interfaces.push_back(interface_options(vm, o.link, bad));
    }
    if (vm.count("gateway")) {
        const auto gw = ip::parse_addr(vm["gateway"].as<std::string>());
        if (!gw) bad("bad --gateway '" + vm["gateway"].as<std::string>() + "' (a dotted quad)");
        o.gateway = *gw;
    }
    o.firewall = !vm["no-firewall"].as<bool>();
    const unsigned mss = vm["mss"].as<unsigned>();
    // 536 is the default every host must accept (RFC 9293 3.7.1); the
    // largest fits a 65535-byte IPv4 packet.
    if (mss < 88 || mss > 65495) bad("--mss must be between 88 and 65495");
    o.tcp.mss = static_cast<std::uint16_t>(mss);
    o.tcp.nodelay = vm["nodelay"].as<bool>();
    o.tcp.sack = !vm["no-sack"].as<bool>();
    o.tcp.congestion = vm["cc"].as<std::string>();
    if (!tcp::make_congestion_control(o.tcp.congestion, o.tcp.mss))
        bad("--cc must be newreno, cubic or highspeed");
    const unsigned msl = vm["msl-ms"].as<unsigned>();
    if (msl > 600000) bad("--msl-ms must be at most 600000");
    o.tcp.msl = std::chrono::milliseconds(msl);
    o.watch = watch_options(vm, name);
    return o;
}

std::optional<std::uint32_t> parse_host(std::string_view text) {
    if (text == "localhost") return 0x7f000001;
    return ip::parse_addr(text);
}

}  // namespace app
