#include "app/stack_cli.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "ip/ipv4.hpp"
#include "ip/route.hpp"
#include "app/watch_cli.hpp"
#include "os/kernel_addresses.hpp"
#include "tcp/congestion.hpp"

namespace app {

void add_link_options(po::options_description& desc, bool firewall) {
    desc.add_options()
        ("link", po::value<std::string>()->default_value("raw"),
         "link mode: raw (IPv4 through raw sockets; the kernel owns the address), packet "
         "(AF_PACKET on --ifname) or tap (a TAP device we create); in packet and tap mode the "
         "stack owns --addr");
    if (firewall)
        desc.add_options()("no-firewall", po::bool_switch(),
                           "do not install our nftables table: in raw mode the one that stops the "
                           "kernel's RSTs, in packet mode the one that keeps the kernel's IPv4 input "
                           "off our address");
    desc.add_options()("no-loopback-gso", po::bool_switch(),
                       "raw: send TCP to local addresses one segment per packet through the raw "
                       "socket, and leave lo's route_localnet and accept_local as they are (by "
                       "default super-segments go out as frames on lo, which cuts them)");
    // Packet and tap mode; --addr A/len is the program's own option.
    desc.add_options()
        ("ifname", po::value<std::vector<std::string>>(),
         "packet: the interface to use; tap: the name of the TAP to create (default ustk0); "
         "repeat it, each with its --addr in the same order, for several interfaces")
        ("gateway", po::value<std::string>(), "packet/tap: default gateway (on --addr's network)")
        ("route", po::value<std::vector<std::string>>(),
         "packet/tap: 'NET/LEN via GW', a route through a gateway on one of our networks "
         "(repeatable; quote it)")
        ("forward", po::bool_switch(),
         "packet/tap: route IPv4 between our interfaces (RFC 1812); off: a datagram for "
         "another address is dropped")
        ("tap-host-addr", po::value<std::string>(),
         "tap (required): the address H/len given to the kernel's side of the (first) TAP, by "
         "which the kernel reaches --addr")
        ("mac", po::value<std::string>(),
         "packet/tap: our MAC (packet: the interface's by default; tap: a random one)");
}

void add_tcp_options(po::options_description& desc) {
    desc.add_options()
        ("mss", po::value<unsigned>(),
         "our largest MSS in bytes; by default the MTU of the link toward the peer less 40 "
         "(RFC 9293 3.7.1), e.g. 1460 on Ethernet, 65495 on loopback")
        ("nodelay", po::bool_switch(), "disable Nagle's algorithm (RFC 896)")
        ("no-sack", po::bool_switch(),
         "do not offer SACK (RFC 2018): loss is then found by three duplicate ACKs alone "
         "(RFC 5681 3.2), as in the textbooks")
        ("cc", po::value<std::string>()->default_value("newreno"),
         "congestion control: newreno (RFC 5681/6582), cubic (RFC 9438) or highspeed (RFC 3649)")
        ("ack-every-two", po::bool_switch(),
         "ACK every second segment (RFC 1122 4.2.3.2) instead of once per connection at the end "
         "of each receive batch (a stretch ACK, bounded by a quarter of the window)")
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
ip::InterfaceAddress parse_addr_len(const std::string& text, Bad bad) {
    const auto a = ip::parse_interface_address(text);
    if (!a || text.find('/') == std::string::npos || a->addr == 0)
        bad("bad --addr '" + text + "' (use A/len, like 10.0.0.2/24)");
    return *a;
}

std::vector<std::string> strings(const po::variables_map& vm, const char* name) {
    if (!vm.count(name) || vm[name].defaulted()) return {};
    return vm[name].as<std::vector<std::string>>();
}

// One interface per --ifname, each with the --addr given in the same place
// (tap mode may leave the one name out: ustk0).
template <class Bad>
std::vector<stack::InterfaceOptions> interface_options(const po::variables_map& vm,
                                                       const std::string& link, Bad bad) {
    const auto names = strings(vm, "ifname");
    const auto addrs = strings(vm, "addr");
    if (link == "packet" && names.empty()) bad("--link packet needs --ifname (see `ip link`)");
    if (addrs.empty())
        bad("--link " + link + " needs --addr A/len, our address on the link (e.g. 10.0.0.2/24)");
    if (names.size() != addrs.size() && !(link == "tap" && names.empty() && addrs.size() == 1))
        bad(std::to_string(names.size()) + " --ifname but " + std::to_string(addrs.size()) +
            " --addr: give one --addr per --ifname, in the same order");
    std::vector<stack::InterfaceOptions> out;
    for (std::size_t i = 0; i < addrs.size(); ++i) {
        stack::InterfaceOptions io;
        io.link = link;
        if (i < names.size()) io.ifname = names[i];
        io.addr = parse_addr_len(addrs[i], bad);
        for (const auto& o : out) {
            if (o.ifname == io.ifname) bad("--ifname " + io.ifname + " given twice");
            if (o.addr.addr == io.addr.addr) bad("--addr " + ip::addr_to_string(io.addr.addr) + " given twice");
        }
        out.push_back(std::move(io));
    }
    auto& first = out.front();
    if (vm.count("tap-host-addr")) {
        if (link != "tap") bad("--tap-host-addr is for --link tap");
        const auto t = vm["tap-host-addr"].as<std::string>();
        const auto h = ip::parse_interface_address(t);
        if (!h || t.find('/') == std::string::npos) bad("bad --tap-host-addr '" + t + "' (use A/len)");
        if (h->addr == first.addr.addr) bad("--tap-host-addr and --addr must differ (both ends would answer ARP for it)");
        first.tap_host = *h;
    } else if (link == "tap") {
        // Without an address on its side the kernel has no route to our
        // network, so nothing it sends would ever reach the TAP.
        bad("--link tap needs --tap-host-addr H/len, the kernel side's address (e.g. 10.0.0.1/24 "
            "beside --addr 10.0.0.2/24): without it the kernel has no route to us");
    }
    // RFC 826: the owner of an address answers requests for it; with two
    // owners on one link the peer's entry flips between two MACs.
    for (const auto& io : out)
        if (link == "packet" && os::kernel_has_address(io.ifname, io.addr.addr))
            bad("--addr " + ip::addr_to_string(io.addr.addr) + " is already the kernel's address on " +
                io.ifname + ": both would answer ARP for it (pick another address, or `ip addr del " +
                ip::addr_to_string(io.addr.addr) + "/" + std::to_string(io.addr.prefix_len) + " dev " +
                io.ifname + "`)");
    if (vm.count("mac")) {
        if (out.size() > 1) bad("--mac is for one interface (each of several keeps its own MAC)");
        const auto m = l2::MacAddr::parse(vm["mac"].as<std::string>());
        if (!m || m->is_multicast() || *m == l2::MacAddr{})
            bad("bad --mac '" + vm["mac"].as<std::string>() + "' (a unicast MAC like 02:00:00:00:00:02)");
        first.mac = *m;
    }
    return out;
}

// --route 'NET/LEN via GW': RFC 1122 3.3.1.1, the gateway must be on one of
// our connected networks.
template <class Bad>
std::vector<stack::RouteOption> route_options(const po::variables_map& vm,
                                              const std::vector<stack::InterfaceOptions>& ifs, Bad bad) {
    std::vector<stack::RouteOption> out;
    for (const auto& text : strings(vm, "route")) {
        std::istringstream in(text);
        std::string net, via, gw, extra;
        in >> net >> via >> gw >> extra;
        const auto n = ip::parse_interface_address(net);
        const auto g = ip::parse_addr(gw);
        if (!n || net.find('/') == std::string::npos || via != "via" || !g || !extra.empty())
            bad("bad --route '" + text + "' (use 'NET/LEN via GW', like '10.3.0.0/16 via 10.2.0.9')");
        bool connected = false;
        for (const auto& io : ifs) connected = connected || (*g & io.addr.mask()) == io.addr.network();
        if (!connected)
            bad("--route " + net + ": gateway " + gw +
                " is not on the network of any --addr (RFC 1122 3.3.1.1)");
        out.push_back({n->network(), n->prefix_len, *g});
    }
    return out;
}

// Raw mode: the kernel owns the address, the interfaces and the routes, so
// the flags that name them cannot work; say so rather than ignore them.
template <class Bad>
void check_raw_flags(const po::variables_map& vm, RawAddr raw_addr, Bad bad) {
    for (const char* f : {"ifname", "gateway", "route", "forward", "tap-host-addr", "mac"})
        if (given(vm, f))
            bad(std::string("--") + f + " is for --link packet or tap (in raw mode the kernel "
                "owns the interfaces and routes)");
    if (!given(vm, "addr")) return;
    const auto all = vm["addr"].as<std::vector<std::string>>();
    if (all.size() > 1) bad("one --addr in raw mode (several are for --link packet or tap)");
    const auto& text = all.front();
    if (raw_addr == RawAddr::NotTaken)
        bad("--addr is for --link packet or tap (in raw mode our address is the kernel's)");
    if (text.find('/') != std::string::npos)
        bad("--addr '" + text + "': raw mode takes a bare address to listen on (A/len is for "
            "--link packet or tap)");
}

// --mss, --nodelay, --no-sack, --ack-every-two, --cc, --msl-ms: only the programs that
// speak TCP have them.
constexpr unsigned kMaxMss = 65535 - 40;  // RFC 791's largest packet, less IP and TCP headers
template <class Bad>
void tcp_options(const po::variables_map& vm, stack::StackOptions& o, Bad bad) {
    // Without --mss the link decides (host::Host::mss_for: its MTU - 40).
    const unsigned mss = vm.count("mss") ? vm["mss"].as<unsigned>() : kMaxMss;
    // 536 is the default every host must accept (RFC 9293 3.7.1); the
    // largest fits a 65535-byte IPv4 packet.
    if (mss < 88 || mss > kMaxMss) bad("--mss must be between 88 and 65495");
    o.tcp.mss = static_cast<std::uint16_t>(mss);
    o.tcp.nodelay = vm["nodelay"].as<bool>();
    o.tcp.sack = !vm["no-sack"].as<bool>();
    o.ack_per_batch = !vm["ack-every-two"].as<bool>();
    o.tcp.congestion = vm["cc"].as<std::string>();
    if (!tcp::make_congestion_control(o.tcp.congestion, o.tcp.mss))
        bad("--cc must be newreno, cubic or highspeed");
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
        if (o.link == "tap" && vm.count("no-firewall") && vm["no-firewall"].as<bool>())
            bad("--no-firewall is for raw and packet mode (in tap mode the kernel never sees our segments)");
        o.interfaces = interface_options(vm, o.link, bad);
        o.routes = route_options(vm, o.interfaces, bad);
        o.forward = vm["forward"].as<bool>();
    }
    if (vm.count("gateway")) {
        const auto gw = ip::parse_addr(vm["gateway"].as<std::string>());
        if (!gw) bad("bad --gateway '" + vm["gateway"].as<std::string>() + "' (a dotted quad)");
        o.gateway = *gw;
    }
    o.firewall = !(vm.count("no-firewall") && vm["no-firewall"].as<bool>());
    o.loopback_gso = !vm["no-loopback-gso"].as<bool>();
    if (!o.loopback_gso && o.link != "raw") bad("--no-loopback-gso is for raw mode");
    if (vm.count("cc")) tcp_options(vm, o, bad);  // a program that speaks TCP
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
