// ./ping: ICMP echo requests (RFC 792) from the stack's own address, with
// the options and the output of iputils' ping(8):
//
//   sudo ./ping --link packet --ifname veth1 --addr 10.0.0.2/24 -c 3 10.0.0.1
//   PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.
//   64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.412 ms
//   ...
//   --- 10.0.0.1 ping statistics ---
//   3 packets transmitted, 3 received, 0% packet loss, time 2003ms
//   rtt min/avg/max/mdev = 0.101/0.208/0.412/0.144 ms
//
// In packet and tap mode the requests go through the stack's IP layer (ARP,
// routing, fragmentation for -s above the MTU); in raw mode, where the
// kernel owns the address, through a raw IPPROTO_ICMP socket. -c COUNT,
// -i INTERVAL, -s SIZE, -W TIMEOUT, -w DEADLINE, -q, -t TTL, -I ADDR|IFNAME
// mean what they mean there; like ping(8) it exits 0 if a reply came (with
// -c and -w: COUNT replies), 1 if not, 2 on other errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"
#include "app/program.hpp"
#include "app/watch_cli.hpp"
#include "os/source_address.hpp"

namespace {

using stack::Err;
using Clock = std::chrono::steady_clock;

// What came back for one of our echoes.
struct Answer {
    std::uint32_t from = 0;
    std::uint16_t seq = 0;
    std::size_t bytes = 0;  // ICMP bytes (header + data), as ping(8) prints
    std::uint8_t ttl = 0;
    Err err = Err::None;    // Unreachable / Refused: an ICMP error about our echo
};

class Pinger {
public:
    virtual ~Pinger() = default;
    virtual Err send(std::uint32_t dst, std::uint16_t seq, base::Bytes data) = 0;
    // nullopt: nothing before `timeout`, or stop() was called.
    virtual std::optional<Answer> receive(std::chrono::milliseconds timeout) = 0;
    virtual void stop() = 0;  // from the signal thread
};

// Packet/tap mode: the stack's ICMP echo socket.
class StackPinger final : public Pinger {
public:
    StackPinger(stack::Stack& st, stack::DatagramSocket s) : st_(st), sock_(std::move(s)) {}
    Err send(std::uint32_t dst, std::uint16_t seq, base::Bytes data) override {
        return sock_.send_to(dst, seq, data);
    }
    std::optional<Answer> receive(std::chrono::milliseconds timeout) override {
        auto r = sock_.recv_from(buf_, timeout);
        if (r.err == Err::TimedOut || r.err == Err::Shutdown || r.err == Err::Closed)
            return std::nullopt;
        return Answer{r.value.addr, r.value.port, r.value.length + ip::kIcmpHeaderLen,
                      r.value.ttl, r.err};
    }
    void stop() override { st_.shutdown(); }

private:
    stack::Stack& st_;
    stack::DatagramSocket sock_;
    std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(65536);
};

// Raw mode: the kernel owns the address, so a raw ICMP socket (raw(7)) is
// how a program sends echoes from it; we still build and parse every byte.
class RawPinger final : public Pinger {
public:
    // `source` 0: the kernel's choice; `ifname` "": any interface.
    RawPinger(int ttl, std::uint32_t source, const std::string& ifname) {
        fd_ = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        if (fd_ < 0)
            throw stack::StackError(errno == EPERM ? "raw sockets need root or CAP_NET_RAW: run with sudo"
                                                   : std::string("raw ICMP socket: ") + std::strerror(errno));
        stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        id_ = static_cast<std::uint16_t>(getpid());
        if (setsockopt(fd_, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) != 0)
            throw stack::StackError(std::string("cannot set the TTL: ") + std::strerror(errno));
        if (!ifname.empty() &&
            setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), static_cast<socklen_t>(ifname.size())) != 0)
            throw stack::StackError("-I " + ifname + ": " + std::strerror(errno));
        if (source) {
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_addr.s_addr = htonl(source);
            if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
                throw stack::StackError("-I " + ip::addr_to_string(source) + ": " + std::strerror(errno) +
                                        " (not an address of this host)");
        }
    }
    ~RawPinger() override {
        ::close(fd_);
        ::close(stop_fd_);
    }
    Err send(std::uint32_t dst, std::uint16_t seq, base::Bytes data) override {
        std::vector<std::uint8_t> out(ip::kIcmpHeaderLen + data.size());
        ip::IcmpMessage m;
        m.type = ip::icmp_type::Echo;
        m.id = id_;
        m.seq = seq;
        m.data = data;
        const std::size_t n = ip::build_icmp(out, m);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(dst);
        if (sendto(fd_, out.data(), n, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
            return errno == ENETUNREACH || errno == EHOSTUNREACH ? Err::Unreachable : Err::Failed;
        return Err::None;
    }
    std::optional<Answer> receive(std::chrono::milliseconds timeout) override {
        const auto end = Clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
            if (left.count() < 0) return std::nullopt;
            pollfd p[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
            if (poll(p, 2, static_cast<int>(left.count()) + 1) <= 0 || (p[1].revents & POLLIN))
                return std::nullopt;
            const ssize_t n = recv(fd_, buf_.data(), buf_.size(), 0);
            if (n <= 0) continue;
            if (auto a = parse({buf_.data(), static_cast<std::size_t>(n)})) return a;
        }
    }
    void stop() override {
        const std::uint64_t one = 1;
        (void)!write(stop_fd_, &one, sizeof one);
    }

private:
    // Every raw ICMP socket sees every ICMP packet: keep our replies, and
    // errors that quote one of our echoes.
    std::optional<Answer> parse(base::Bytes packet) {
        auto ipv = ip::parse_ipv4(packet, false);
        if (!ipv) return std::nullopt;
        auto icmp = ip::parse_icmp(ipv->payload);
        if (!icmp) return std::nullopt;
        const auto& m = icmp->message;
        if (m.type == ip::icmp_type::EchoReply && m.id == id_)
            return Answer{ipv->header.src, m.seq, ipv->payload.size(), ipv->header.ttl, Err::None};
        if (const auto echo = ip::quoted_echo(*icmp); echo && echo->id == id_)
            return Answer{ipv->header.src, echo->seq, 0, 0,
                          m.type == ip::icmp_type::DestinationUnreachable &&
                                  m.code == ip::unreachable::Port
                              ? Err::Refused
                              : Err::Unreachable};
        return std::nullopt;
    }
    int fd_ = -1, stop_fd_ = -1;
    std::uint16_t id_ = 0;
    std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(65536 + 64);
};

// ping(8)'s words for the errors we can get.
std::string error_text(const Answer& a) {
    return a.err == Err::Refused ? "Destination Port Unreachable" : "Destination Host Unreachable";
}

struct Settings {
    std::string host_text;
    std::uint32_t host = 0;
    long count = 0;  // 0: until Ctrl-C or -w
    unsigned size = 56, ttl = 64;
    double interval = 1, wait_s = 10, deadline_s = 0;  // deadline 0: none
    bool quiet = false;
    std::uint32_t source = 0;  // -I ADDR
    std::string source_if;     // -I IFNAME
};

app::po::options_description options() {
    namespace po = app::po;
    po::options_description desc("Options");
    desc.add_options()
        ("host", po::value<std::string>()->required(),
         "the address or host name to ping (also the first argument)")
        ("count,c", po::value<long>()->value_name("COUNT"), "stop after COUNT requests (1 or more; default: until Ctrl-C)")
        ("interval,i", po::value<double>()->default_value(1.0)->value_name("SECONDS"),
         "seconds between requests (fractions allowed, at least 0.002)")
        ("size,s", po::value<long>()->default_value(56)->value_name("SIZE"), "data bytes per request (0 to 65507)")
        ("timeout,W", po::value<double>()->default_value(10)->value_name("SECONDS"), "seconds to wait for each reply")
        ("deadline,w", po::value<double>()->value_name("SECONDS"),
         "stop after this many seconds, however many requests were sent")
        ("quiet,q", po::bool_switch(), "print only the header line and the summary")
        ("ttl,t", po::value<long>()->default_value(64)->value_name("TTL"), "IPv4 time to live of our requests (1 to 255)")
        ("interface,I", po::value<std::string>()->value_name("ADDR|IFNAME"),
         "the source: one of our addresses, or the interface to leave by")
        ("addr", po::value<std::vector<std::string>>(), "packet/tap: our address A/len on the link (one per --ifname)");
    app::add_link_options(desc, false);
    app::add_watch_options(desc, false);
    app::add_common_options(desc, "warning");
    return desc;
}

// -I ADDR|IFNAME: in packet/tap mode it must name what we already are.
void source_option(const app::Program& prog, const app::po::variables_map& vm, const stack::StackOptions& o,
                   Settings& s) {
    if (!vm.count("interface")) return;
    const auto text = vm["interface"].as<std::string>();
    if (const auto a = ip::parse_addr(text)) s.source = *a;
    else if (!text.empty() && text.size() < IFNAMSIZ) s.source_if = text;
    else prog.usage_error("bad -I '" + text + "' (an address like 10.0.0.2, or an interface name)");
    if (o.link == "raw") return;
    const auto& io = o.interfaces.front();
    if (s.source && s.source != io.addr.addr)
        prog.usage_error("-I " + text + " is not our address (in --link " + o.link + " mode it is --addr's, " +
                         ip::addr_to_string(io.addr.addr) + ")");
    const std::string ifname = io.ifname.empty() ? "ustk0" : io.ifname;
    if (!s.source_if.empty() && s.source_if != ifname)
        prog.usage_error("-I " + text + " is not our interface (in --link " + o.link + " mode it is " + ifname + ")");
}

Settings settings(const app::Program& prog, const app::po::variables_map& vm, const stack::StackOptions& o) {
    Settings s;
    s.host_text = vm["host"].as<std::string>();
    const auto r = app::resolve_host(s.host_text);
    if (!r.error.empty()) {
        if (r.usage) prog.usage_error(r.error);
        std::cerr << prog.name() << ": " << r.error << "\n";
        std::exit(2);
    }
    s.host = r.addr;
    if (vm.count("count")) {
        s.count = vm["count"].as<long>();
        if (s.count < 1) prog.usage_error("-c must be 1 or more (leave it out to ping until Ctrl-C)");
    }
    const long size = vm["size"].as<long>(), ttl = vm["ttl"].as<long>();
    if (size < 0 || size > 65507) prog.usage_error("-s must be between 0 and 65507");
    if (ttl < 1 || ttl > 255) prog.usage_error("-t must be between 1 and 255");
    s.size = static_cast<unsigned>(size);
    s.ttl = static_cast<unsigned>(ttl);
    s.interval = vm["interval"].as<double>();
    s.wait_s = vm["timeout"].as<double>();
    // iputils lets only root go below 0.2 s; we always run as root.
    if (!(s.interval >= 0.002 && s.interval <= 3600)) prog.usage_error("-i must be between 0.002 and 3600");
    if (!(s.wait_s > 0 && s.wait_s <= 3600)) prog.usage_error("-W must be more than 0 and at most 3600");
    if (vm.count("deadline")) {
        s.deadline_s = vm["deadline"].as<double>();
        if (!(s.deadline_s > 0 && s.deadline_s <= 86400)) prog.usage_error("-w must be more than 0 and at most 86400");
    }
    s.quiet = vm["quiet"].as<bool>();
    source_option(prog, vm, o, s);
    return s;
}

// What came back, and ping(8)'s closing lines.
struct Tally {
    unsigned transmitted = 0, received = 0, errors = 0;
    double rtt_min = 1e18, rtt_max = 0, rtt_sum = 0, rtt_sum2 = 0;

    void reply(double ms) {
        ++received;
        rtt_min = std::min(rtt_min, ms);
        rtt_max = std::max(rtt_max, ms);
        rtt_sum += ms;
        rtt_sum2 += ms * ms;
    }
    void summary(const std::string& host, long total_ms) const {
        const unsigned loss = transmitted ? (transmitted - received) * 100 / transmitted : 0;
        std::cout << "\n--- " << host << " ping statistics ---\n"
                  << transmitted << " packets transmitted, " << received << " received, "
                  << (errors ? "+" + std::to_string(errors) + " errors, " : "") << loss
                  << "% packet loss, time " << total_ms << "ms\n";
        if (received) {
            const double avg = rtt_sum / received;
            const double mdev = std::sqrt(std::max(0.0, rtt_sum2 / received - avg * avg));
            char line[128];
            std::snprintf(line, sizeof line, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms", rtt_min,
                          avg, rtt_max, mdev);
            std::cout << line << "\n";
        }
        std::cout << std::flush;
    }
};

Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// One answer: counted, and printed unless -q. Returns false for what is
// not ours (a duplicate, another ping's).
bool take(const Answer& a, const Settings& s, std::map<std::uint16_t, Clock::time_point>& sent_at, Tally& t) {
    auto it = sent_at.find(a.seq);
    if (it == sent_at.end()) return false;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - it->second).count();
    sent_at.erase(it);
    if (a.err != Err::None) {
        ++t.errors;
        if (!s.quiet)
            std::cout << "From " << ip::addr_to_string(a.from) << " icmp_seq=" << a.seq << " " << error_text(a)
                      << std::endl;
        return true;
    }
    t.reply(ms);
    if (s.quiet) return true;
    char ms_text[32];
    std::snprintf(ms_text, sizeof ms_text, "%.3f", ms);
    std::cout << a.bytes << " bytes from " << ip::addr_to_string(a.from) << ": icmp_seq=" << a.seq
              << " ttl=" << unsigned{a.ttl} << " time=" << ms_text << " ms" << std::endl;
    return true;
}

// Sends every -i seconds and prints each answer as it comes; returns once
// -c requests are answered or the last has waited -W, at the -w deadline,
// or on `stop`. Returns false when there is no route (ping(8) exits 2 then).
bool ping_loop(Pinger& pinger, const Settings& s, const std::atomic<bool>& stop, Tally& t) {
    std::vector<std::uint8_t> data(s.size);
    for (std::size_t i = 0; i < s.size; ++i) data[i] = static_cast<std::uint8_t>(0x10 + i);
    std::map<std::uint16_t, Clock::time_point> sent_at;  // by sequence number
    const auto start = Clock::now();
    const auto deadline = s.deadline_s > 0 ? start + seconds(s.deadline_s) : Clock::time_point::max();
    auto next_send = start, last_send = start;
    const auto gap = seconds(s.interval), linger = seconds(s.wait_s);
    while (!stop) {
        const auto now = Clock::now();
        if (now >= deadline) break;
        const bool more = s.count == 0 || t.transmitted < static_cast<unsigned long>(s.count);
        if (more && now >= next_send) {
            const auto seq = static_cast<std::uint16_t>(t.transmitted + 1);
            // The clock starts before the request enters the stack, as ping(8)'s
            // timestamp is taken before sendmsg().
            sent_at[seq] = last_send = Clock::now();
            if (pinger.send(s.host, seq, data) == Err::Unreachable) return false;
            ++t.transmitted;
            next_send += gap;
            continue;
        }
        // Done when every request is answered, or the last has waited -W.
        if (!more && (t.received + t.errors >= t.transmitted || now >= last_send + linger)) break;
        const auto until = std::min(more ? next_send : last_send + linger, deadline);
        auto a = pinger.receive(std::chrono::duration_cast<std::chrono::milliseconds>(until - now) +
                                std::chrono::milliseconds(1));
        if (a) take(*a, s, sent_at, t);
    }
    return true;
}

// ping(8)'s first line; "from" only when -I chose the source.
void header(const Settings& s, std::uint32_t src) {
    std::cout << "PING " << s.host_text << " (" << ip::addr_to_string(s.host) << ") ";
    if (!s.source_if.empty() || s.source)
        std::cout << "from " << ip::addr_to_string(src ? src : s.source)
                  << (s.source_if.empty() ? "" : " " + s.source_if) << ": ";
    std::cout << s.size << "(" << s.size + 28 << ") bytes of data." << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    app::Program prog("ping");  // first: before any thread exists
    const auto desc = options();
    app::po::positional_options_description pos;
    pos.add("host", 1);
    const auto vm = prog.parse(argc, argv, desc, &pos, "[options] HOST");
    auto opts = prog.stack_options(vm, app::RawAddr::NotTaken);
    const Settings s = settings(prog, vm, opts);
    // Raw mode pings through the kernel's ICMP socket: no stack device to
    // record or to inject faults into.
    if (opts.link == "raw")
        if (const auto w = app::given_watch_flags(vm); !w.empty())
            prog.usage_error(w.front() + " needs --link packet or tap (in raw mode ping uses the kernel's ICMP socket)");

    std::atomic<bool> stop{false};
    std::mutex mu;
    Pinger* live = nullptr;
    prog.on_signal([&](int) {
        stop = true;
        std::lock_guard lk(mu);
        if (live) live->stop();
    });
    std::unique_ptr<Pinger> pinger;
    std::uint32_t src = 0;
    if (opts.link == "raw") {
        try {
            pinger = std::make_unique<RawPinger>(static_cast<int>(s.ttl), s.source, s.source_if);
        } catch (const stack::StackError& e) {
            prog.fail(e.what(), 2);
        }
        if (!s.source) src = os::kernel_source_for(s.host).value;
    } else {
        stack::Stack& st = prog.open(std::move(opts));
        src = st.source_for(s.host).value_or(0);
        auto sock = st.ping_open(static_cast<std::uint8_t>(s.ttl));
        if (!sock) prog.fail("cannot open a ping socket: " + std::string(stack::to_string(sock.err)), 2);
        pinger = std::make_unique<StackPinger>(st, std::move(sock.value));
    }
    {
        std::lock_guard lk(mu);
        live = pinger.get();
    }
    prog.ready();
    header(s, src);
    Tally t;
    const auto start = Clock::now();
    if (!ping_loop(*pinger, s, stop, t)) prog.fail("connect: Network is unreachable", 2);
    t.summary(s.host_text, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
    {
        std::lock_guard lk(mu);
        live = nullptr;
    }
    pinger.reset();
    prog.print_stats();  // --stats
    prog.close_stack();
    // ping(8): with both -c and -w, fewer than COUNT replies is a failure.
    if (s.count && s.deadline_s > 0) return t.received >= static_cast<unsigned long>(s.count) ? 0 : 1;
    return t.received ? 0 : 1;
}
