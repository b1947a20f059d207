// ./dump --ifname IF [--count N] [--verbose]: decodes the live traffic of an
// interface with the stack's own parsers and prints it in the --trace
// format, so a class can watch the kernel, or the stack, on the wire:
//
//   sudo ./dump --ifname veth0
//      0.000000  02:00:00:00:00:0a     --> ff:ff:ff:ff:ff:ff     ARP Request who-has 192.0.2.2? tell 192.0.2.1
//      0.000041  192.0.2.1:48188       --> 192.0.2.2:5000        [SYN] Seq=0 (ISN 3858687651) Win=64240 ...
//
// Read-only: an AF_PACKET socket (packet(7)) that never sends. Frames this
// host sent are "-->", frames it received "<--".
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>       // ARPHRD_*
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "link/packet.hpp"
#include "app/cli.hpp"
#include "trace/packet_trace.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

[[noreturn]] void die(const std::string& msg) {
    std::cerr << "dump: " << msg << "\n";
    std::exit(1);
}

struct Interface {
    int index = 0;
    bool ethernet = true;  // Ethernet frames, or bare IP packets (a TUN device)
};

// The interface's index and link type (netdevice(7): SIOCGIFHWADDR).
Interface find_interface(int fd, const std::string& name) {
    Interface i;
    i.index = static_cast<int>(if_nametoindex(name.c_str()));
    if (i.index == 0 || name.size() >= IFNAMSIZ)
        die("no interface named '" + name + "' (see `ip link`)");
    ifreq req{};
    std::memcpy(req.ifr_name, name.c_str(), name.size());
    if (ioctl(fd, SIOCGIFHWADDR, &req) != 0) die(name + ": " + std::strerror(errno));
    switch (req.ifr_hwaddr.sa_family) {
        case ARPHRD_ETHER:
        case ARPHRD_LOOPBACK: i.ethernet = true; break;  // lo carries Ethernet headers too
        case ARPHRD_NONE: i.ethernet = false; break;     // TUN: IP packets
        default:
            die(name + ": link type " + std::to_string(req.ifr_hwaddr.sa_family) +
                " is not Ethernet or IP");
    }
    return i;
}

// packet(7): protocol 0 until bind(), so that no frame of another interface
// slips in between; then ETH_P_ALL on this interface alone. PACKET_AUXDATA
// tells, for each frame, whether the kernel left its checksum to the NIC.
int open_capture(const std::string& ifname, Interface& iface) {
    const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        if (errno == EPERM || errno == EACCES)
            die("capturing needs root or CAP_NET_RAW: run with sudo");
        die(std::string("AF_PACKET socket: ") + std::strerror(errno));
    }
    iface = find_interface(fd, ifname);
    const int on = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof on) != 0)
        die(std::string("PACKET_AUXDATA: ") + std::strerror(errno));
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = iface.index;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        die(ifname + ": " + std::strerror(errno));
    return fd;
}

struct Frame {
    std::size_t length = 0;
    trace::Dir dir = trace::Dir::In;
    bool checksum_not_ready = false;
};

// The next frame into `buf`; nullopt when a signal interrupted the wait.
std::optional<Frame> receive(int fd, std::vector<std::uint8_t>& buf) {
    const auto p = l2::recv_packet_frame(fd, buf);
    if (!p) {
        if (errno == EINTR) return std::nullopt;
        die(std::string("recvmsg: ") + std::strerror(errno));
    }
    Frame f;
    f.length = p->length;
    f.dir = p->outgoing ? trace::Dir::Out : trace::Dir::In;
    f.checksum_not_ready = p->checksum_not_ready;
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    namespace po = app::po;
    po::options_description desc("Options");
    app::add_common_options(desc);
    desc.add_options()("ifname,i", po::value<std::string>()->required(),
                       "the interface to watch (also the first argument)")(
        "count,c", po::value<std::uint64_t>()->default_value(0),
        "stop after this many frames (0: until Ctrl-C)")(
        "verbose,v", po::bool_switch(), "print every header field under each line");
    po::positional_options_description pos;
    pos.add("ifname", 1);
    const auto vm = app::parse_command_line("dump", argc, argv, desc, &pos, "--ifname IF [options]");
    const std::string ifname = vm["ifname"].as<std::string>();
    const std::uint64_t count = vm["count"].as<std::uint64_t>();
    const bool verbose = vm["verbose"].as<bool>();

    Interface iface;
    const int fd = open_capture(ifname, iface);
    // No SA_RESTART: Ctrl-C interrupts recvmsg() and ends the loop cleanly.
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    trace::Tracer tracer(std::cout, trace::TraceOptions{.colour = isatty(STDOUT_FILENO) == 1,
                                                        .origin = logx::origin()});
    std::cerr << "dump: listening on " << ifname << (iface.ethernet ? " (Ethernet)" : " (IP)")
              << ", Ctrl-C to stop" << std::endl;

    // Big enough for a GSO/GRO super-frame (64 KiB of IP plus headers).
    std::vector<std::uint8_t> buf(256 * 1024);
    std::uint64_t frames = 0;
    while (!g_stop && (count == 0 || frames < count)) {
        const auto f = receive(fd, buf);
        if (!f) continue;
        ++frames;
        const auto now = std::chrono::duration_cast<tcp::Duration>(
            std::chrono::steady_clock::now().time_since_epoch());
        const trace::Captured c{.dir = f->dir,
                                .at = now,
                                .bytes = base::Bytes(buf.data(), f->length),
                                .checksum_not_ready = f->checksum_not_ready};
        if (iface.ethernet) trace::trace_frame(tracer, c, verbose);
        else trace::trace_ipv4(tracer, c, verbose);
    }
    close(fd);
    std::cerr << "dump: " << frames << " frame" << (frames == 1 ? "" : "s") << std::endl;
    return 0;
}
