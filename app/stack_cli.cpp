#include "app/stack_cli.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <iostream>

#include "ip/ipv4.hpp"
#include "ip/route.hpp"
#include "app/watch_cli.hpp"
#include "os/kernel_addresses.hpp"

namespace app {

void add_link_options(po::options_description& desc, bool firewall) {
    desc.add_options()
        ("link", po::value<std::string>()->default_value("raw"),
         "link mode: raw (IPv4 through raw sockets; the kernel owns the address), packet "
         "(AF_PACKET on --ifname) or tap (a TAP device we create); in packet and tap mode the "
         "stack owns --addr");
    if (firewall)
        desc.add_options()("no-firewall", po::bool_switch(),
                           "raw mode: do not install the nftables table that stops the kernel's RSTs");
    // Packet and tap mode; --addr A/len is the program's own option.
    desc.add_options()
        ("ifname", po::value<std::string>(),
         "packet: the interface to use; tap: the name of the TAP to create (default ustk0)")
        ("gateway", po::value<std::string>(), "packet/tap: default gateway (on --addr's network)")
        ("tap-host-addr", po::value<std::string>(),
         "tap (required): the address H/len given to the kernel's side of the TAP, by which "
         "the kernel reaches --addr")
        ("mac", po::value<std::string>(),
         "packet/tap: our MAC (packet: the interface's by default; tap: a random one)");
}

void add_tcp_options(po::options_description& desc) {
    desc.add_options()
        ("mss", po::value<unsigned>()->default_value(1460), "our MSS in bytes (RFC 9293 3.7.1)")
        ("nodelay", po::bool_switch(), "disable Nagle's algorithm (RFC 896)")
        ("no-sack", po::bool_switch(),
         "do not offer SACK (RFC 2018): loss is then found by three duplicate ACKs alone "
         "(RFC 5681 3.2), as in the textbooks")
        ("cc", po::value<std::string>()->default_value("newreno"),
         "congestion control: newreno (RFC 5681/6582) or cubic (RFC 9438)")
        ("msl-ms", po::value<unsigned>()->default_value(2000),
         "maximum segment lifetime in ms; TIME-WAIT lasts 2*MSL")
        ("stats", po::bool_switch(), "print the stack's counters and every TCP connection's at exit, and on SIGUSR1");
}

void add_stack_options(po::options_description& desc) {
    add_link_options(desc, true);
    add_tcp_options(desc);
    add_watch_options(desc);  // --pcap, --trace, --diagram, faults
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
        if (h->addr == io.addr.addr) bad("--tap-host-addr and --addr must differ (both ends would answer ARP for it)");
        io.tap_host = *h;
    } else if (link == "tap") {
        // Without an address on its side the kernel has no route to our
        // network, so nothing it sends would ever reach the TAP.
        bad("--link tap needs --tap-host-addr H/len, the kernel side's address (e.g. 10.0.0.1/24 "
            "beside --addr 10.0.0.2/24): without it the kernel has no route to us");
    }
    // RFC 826: the owner of an address answers requests for it; with two
    // owners on one link the peer's entry flips between two MACs.
    if (link == "packet" && os::kernel_has_address(io.ifname, io.addr.addr))
        bad("--addr " + ip::addr_to_string(io.addr.addr) + " is already the kernel's address on " +
            io.ifname + ": both would answer ARP for it (pick another address, or `ip addr del " +
            ip::addr_to_string(io.addr.addr) + "/" + std::to_string(io.addr.prefix_len) + " dev " + io.ifname + "`)");
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

// --mss, --nodelay, --no-sack, --cc, --msl-ms: only the programs that
// speak TCP have them.
template <class Bad>
void tcp_options(const po::variables_map& vm, stack::StackOptions& o, Bad bad) {
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
        if (vm.count("no-firewall") && vm["no-firewall"].as<bool>())
            bad("--no-firewall is for raw mode (in packet and tap mode the kernel never sees our segments)");
        o.interfaces.push_back(interface_options(vm, o.link, bad));
    }
    if (vm.count("gateway")) {
        const auto gw = ip::parse_addr(vm["gateway"].as<std::string>());
        if (!gw) bad("bad --gateway '" + vm["gateway"].as<std::string>() + "' (a dotted quad)");
        o.gateway = *gw;
    }
    o.firewall = !(vm.count("no-firewall") && vm["no-firewall"].as<bool>());
    if (vm.count("mss")) tcp_options(vm, o, bad);
    o.watch = watch_options(vm, name);
    return o;
}

std::optional<std::uint32_t> parse_host(std::string_view text) {
    if (text == "localhost") return 0x7f000001;
    return ip::parse_addr(text);
}

Resolved resolve_host(const std::string& text) {
    Resolved r;
    // A dotted quad, or what looks like one, is never sent to the resolver:
    // "300.1.2.3" is a typo, not a name.
    if (text.find_first_not_of("0123456789.") == std::string::npos || text == "localhost") {
        if (auto a = parse_host(text)) r.addr = *a;
        else r.error = "bad address '" + text + "' (use a dotted quad like 127.0.0.1, or a host name)";
        return r;
    }
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (const int e = getaddrinfo(text.c_str(), nullptr, &hints, &res); e != 0 || !res) {
        r.error = "cannot resolve '" + text + "': " + gai_strerror(e);
        r.usage = false;
        return r;
    }
    r.addr = ntohl(reinterpret_cast<const sockaddr_in*>(res->ai_addr)->sin_addr.s_addr);
    freeaddrinfo(res);
    return r;
}

}  // namespace app
