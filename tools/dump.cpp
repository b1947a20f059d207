// ./dump: decodes packets with the stack's own parsers and prints them in
// the --trace format, live from an interface or from a pcap file, through a
// capture filter in tcpdump's language, so a class can watch the kernel, or
// the stack, on the wire:
//
//   sudo ./dump --ifname veth0 'tcp port 5000'
//      0.000000  192.0.2.1:48188       --> 192.0.2.2:5000        [SYN] Seq=0 (ISN 3858687651) Win=64240 ...
//   sudo ./dump -i veth0 -w /tmp/v.pcap -c 100        # also writes what it shows
//   ./dump -r /tmp/c.pcap --diagram 'not arp'         # a file: ours, tcpdump's, Wireshark's
//   ./dump -r /tmp/c.pcap --plot /tmp/c.svg           # time-sequence graphs, one per connection
//
// Live capture is read-only: an AF_PACKET socket (packet(7)) that never
// sends. Frames this host sent are "-->", frames it received "<--". On the
// loopback, and in a file, nothing tells which side is ours: the host that
// sent a connection's first packet is put on the left (trace/sides.hpp).
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
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "capture/filter.hpp"
#include "capture/pcap_file.hpp"
#include "link/packet.hpp"
#include "link/pcap.hpp"
#include "trace/packet_trace.hpp"
#include "trace/plot.hpp"
#include "trace/plot_device.hpp"
#include "trace/plot_svg.hpp"
#include "trace/sides.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

[[noreturn]] void die(const std::string& msg) {
    std::cerr << "dump: " << msg << "\n";
    std::exit(1);
}

struct Interface {
    int index = 0;
    bool ethernet = true;   // Ethernet frames, or bare IP packets (a TUN device)
    bool loopback = false;  // lo: every frame is seen leaving and arriving
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
        case ARPHRD_ETHER: break;
        case ARPHRD_LOOPBACK: i.loopback = true; break;  // lo carries Ethernet headers too
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

struct Options {
    std::string ifname, read, write, filter, plot;
    std::uint64_t count = 0;
    bool verbose = false, diagram = false;
};

Options parse(int argc, char** argv) {
    namespace po = app::po;
    po::options_description desc("Options");
    app::add_common_options(desc);
    desc.add_options()("ifname,i", po::value<std::string>(), "the interface to watch")(
        "read,r", po::value<std::string>(), "read packets from this pcap or pcapng file instead")(
        "write,w", po::value<std::string>(), "also write the packets shown to this pcap file")(
        "count,c", po::value<std::uint64_t>()->default_value(0),
        "stop after this many packets (0: until Ctrl-C, or the end of the file)")(
        "verbose,v", po::bool_switch(), "print every header field under each line")(
        "diagram", po::bool_switch(), "draw each TCP connection's ladder diagram at the end")(
        "plot", po::value<std::string>(),
        "write each TCP connection's time-sequence graph to FILE-<port>-<port>.svg at the end "
        "(from packets alone: the sender's cwnd, ssthresh and RTO are not in them)")(
        "filter", po::value<std::vector<std::string>>(),
        "a capture filter as tcpdump takes it (pcap-filter(7)), the last arguments");
    po::positional_options_description pos;
    pos.add("filter", -1);
    const auto vm = app::parse_command_line("dump", argc, argv, desc, &pos,
                                            "(--ifname IF | -r FILE) [options] [FILTER...]");
    Options o;
    if (vm.count("ifname")) o.ifname = vm["ifname"].as<std::string>();
    if (vm.count("read")) o.read = vm["read"].as<std::string>();
    if (vm.count("write")) o.write = vm["write"].as<std::string>();
    if (vm.count("filter"))
        for (const auto& w : vm["filter"].as<std::vector<std::string>>())
            o.filter += (o.filter.empty() ? "" : " ") + w;
    o.count = vm["count"].as<std::uint64_t>();
    o.verbose = vm["verbose"].as<bool>();
    o.diagram = vm["diagram"].as<bool>();
    if (vm.count("plot")) o.plot = vm["plot"].as<std::string>();
    if (o.ifname.empty() == o.read.empty())
        app::usage_error("dump", "give one of --ifname IF (live) or -r FILE");
    if (!o.write.empty() && o.write == o.read)
        app::usage_error("dump", "-w would overwrite the file -r reads");
    return o;
}

// What every packet shown goes through: the filter, the count, the -w file
// and the trace, whatever it came from.
class Shower {
public:
    Shower(const Options& o, std::uint32_t linktype)
        : opts_(o),
          linktype_(linktype),
          tracer_(std::cout, trace::TraceOptions{.colour = isatty(STDOUT_FILENO) == 1,
                                                 .diagram = o.diagram,
                                                 .origin = std::nullopt}) {  // from the first packet
        std::string why;
        if (!filter_.compile(o.filter, linktype, why))
            app::usage_error("dump", "bad filter '" + o.filter + "': " + why);
        if (!o.write.empty() &&
            !writer_.open(o.write, static_cast<l2::PcapLinkType>(linktype)))
            die(writer_.error());
    }

    bool done() const { return opts_.count != 0 && shown_ >= opts_.count; }
    std::uint64_t shown() const { return shown_; }

    // `dir` unknown (nullopt): Sides decides.
    void show(const capture::Record& r, std::optional<trace::Dir> dir, bool checksum_not_ready) {
        if (!filter_.matches(r.bytes, r.wire_len)) return;
        ++shown_;
        if (writer_.is_open() &&
            !writer_.write(r.bytes, std::chrono::system_clock::time_point(r.at)))
            die(writer_.error());
        base::Bytes bytes = r.bytes;
        bool ethernet = true;
        switch (linktype_) {
            case capture::linktype::kEthernet: break;
            case capture::linktype::kLinuxSll:
            case capture::linktype::kLinuxSll2: {
                // The cooked headers of `tcpdump -i any`: SLL is 16 bytes,
                // the protocol in its last two; SLL2 is 20, the protocol in
                // its first two. Only IPv4 is decoded under them.
                const bool v2 = linktype_ == capture::linktype::kLinuxSll2;
                const std::size_t len = v2 ? 20 : 16;
                if (bytes.size() < len || base::get_u16(bytes.data() + (v2 ? 0 : 14)) != ETH_P_IP) {
                    tracer_.note(trace::Dir::Out, r.at, "?", "?", "not IPv4 (Linux cooked capture)");
                    return;
                }
                bytes = bytes.subspan(len);
                ethernet = false;
                break;
            }
            default: ethernet = false;  // LINKTYPE_RAW, LINKTYPE_IPV4
        }
        const trace::Captured c{.dir = dir ? *dir : sides_.dir_of(bytes, ethernet),
                                .at = r.at,
                                .bytes = bytes,
                                .checksum_not_ready = checksum_not_ready};
        if (ethernet) trace::trace_frame(tracer_, c, opts_.verbose);
        else trace::trace_ipv4(tracer_, c, opts_.verbose);
        if (!opts_.plot.empty()) plots_.packet(c.dir, c.at, c.bytes, ethernet);
    }

    // The ladder diagrams (--diagram), the plots (--plot), the -w file closed.
    void finish() {
        tracer_.finish();
        writer_.close();
        for (const auto& p : plots_.finish()) {
            if (p.sent.empty() && p.acks.empty()) continue;
            const std::string name = trace::plot_file_name(opts_.plot, p.tuple);
            std::ofstream f(name, std::ios::trunc);
            f << trace::render_plot_svg(p);
            if (!f) die("cannot write " + name);
            std::cerr << "dump: plot: wrote " << name << std::endl;
        }
    }

private:
    const Options& opts_;
    std::uint32_t linktype_;
    capture::Filter filter_;
    l2::PcapWriter writer_;
    trace::Tracer tracer_;
    trace::Sides sides_;
    trace::PlotRecorder plots_;
    std::uint64_t shown_ = 0;
};

std::uint64_t read_file(const Options& o) {
    // The link type is the file's: known once its header has been read.
    std::optional<Shower> shower;
    const std::string err = capture::read_pcap(o.read, [&](const capture::Record& r) {
        if (!shower) {
            if (r.linktype != capture::linktype::kEthernet && r.linktype != capture::linktype::kRaw &&
                r.linktype != capture::linktype::kIpv4 && r.linktype != capture::linktype::kLinuxSll &&
                r.linktype != capture::linktype::kLinuxSll2)
                die(o.read + ": link type " + std::to_string(r.linktype) +
                    " is not Ethernet, Linux cooked or IP");
            shower.emplace(o, r.linktype);
        }
        shower->show(r, std::nullopt, false);
        return !g_stop && !shower->done();
    });
    if (!err.empty()) die(err.find(o.read) == std::string::npos ? o.read + ": " + err : err);
    if (!shower) {  // an empty file: the filter is still checked, the -w file still made
        shower.emplace(o, capture::linktype::kEthernet);
    }
    shower->finish();
    return shower->shown();
}

std::uint64_t capture_live(const Options& o) {
    Interface iface;
    const int fd = open_capture(o.ifname, iface);
    Shower shower(o, iface.ethernet ? capture::linktype::kEthernet : capture::linktype::kRaw);
    std::cerr << "dump: listening on " << o.ifname << (iface.ethernet ? " (Ethernet)" : " (IP)")
              << ", Ctrl-C to stop" << std::endl;
    // Big enough for a GSO/GRO super-frame (64 KiB of IP plus headers).
    std::vector<std::uint8_t> buf(256 * 1024);
    while (!g_stop && !shower.done()) {
        const auto p = l2::recv_packet_frame(fd, buf);
        if (!p) {
            if (errno == EINTR) continue;
            die(std::string("recvmsg: ") + std::strerror(errno));
        }
        // packet(7): on lo each frame comes up twice, as PACKET_OUTGOING and
        // again as received; the received copy alone is shown.
        if (iface.loopback && p->outgoing) continue;
        const auto now = std::chrono::duration_cast<base::Time>(
            std::chrono::system_clock::now().time_since_epoch());
        const auto len = static_cast<std::uint32_t>(p->length);
        const capture::Record r{.at = now,
                                .bytes = base::Bytes(buf.data(), std::min<std::size_t>(len, buf.size())),
                                .wire_len = len,
                                .linktype = 0};
        std::optional<trace::Dir> dir;
        if (!iface.loopback) dir = p->outgoing ? trace::Dir::Out : trace::Dir::In;
        shower.show(r, dir, p->checksum_not_ready);
    }
    close(fd);
    shower.finish();
    return shower.shown();
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    // No SA_RESTART: Ctrl-C interrupts recvmsg() and ends the loop cleanly.
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    const std::uint64_t n = o.read.empty() ? capture_live(o) : read_file(o);
    std::cerr << "dump: " << n << " packet" << (n == 1 ? "" : "s") << std::endl;
    return 0;
}
