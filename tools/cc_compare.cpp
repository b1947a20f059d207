// cc_compare: the same one-way transfer through the simulated link
// (link/sim.hpp: a bottleneck with bandwidth, queue, delay and seeded
// random loss), once under each congestion controller, on a virtual clock:
// a lesson's table of goodput, retransmissions, RTOs, fast retransmits and
// the largest cwnd, and each controller's plot (trace/plot_svg.hpp). The
// same seed gives the same run, to the packet.
//
//   ./cc_compare --bytes 4000000 --loss 1 --seed 1 --plot-dir /tmp/cc
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "link/sim.hpp"
#include "tcp/congestion.hpp"
#include "tcp/connection.hpp"
#include "tcp/segment.hpp"
#include "trace/plot.hpp"
#include "trace/plot_svg.hpp"

namespace {

using namespace std::chrono_literals;
using tcp::Time;

constexpr std::uint32_t kIpA = 0x0a000001, kIpB = 0x0a000002;

struct Settings {
    std::uint64_t bytes = 4'000'000;
    double loss = 1;
    tcp::Duration delay = 25ms;       // one way: RTT 50 ms
    std::uint64_t bandwidth = 12'500'000;  // bytes/s: 100 Mbit/s
    std::size_t queue = 0;            // packets; 0: one bandwidth-delay product
    std::uint64_t seed = 1;
    std::string plot_dir;
    std::vector<std::string> controllers{"newreno", "cubic", "highspeed"};
};

struct Result {
    std::string cc;
    bool done = false;
    tcp::Duration elapsed{0};
    tcp::Stats stats;
    std::uint32_t max_cwnd = 0;
};

// One side's segments onto the link as IPv4 packets; A's also into the plot.
class Wire final : public tcp::SegmentSink {
public:
    Wire(l2::SimLink& link, l2::Side side, Time& now, trace::PlotRecorder* plot)
        : link_(link), side_(side), now_(now), plot_(plot) {}
    void send_segment(const tcp::Tuple& t, const tcp::Header& h, base::Bytes p1, base::Bytes p2,
                      std::uint16_t) override {
        std::vector<std::uint8_t> pkt(ip::kIpv4HeaderLen + tcp::kHeaderMax + p1.size() + p2.size());
        const std::size_t n = tcp::build(base::MutBytes(pkt).subspan(ip::kIpv4HeaderLen), h,
                                         t.local_ip, t.remote_ip, p1, p2);
        pkt.resize(ip::kIpv4HeaderLen + n);
        ip::Ipv4Header ih;
        ih.total_length = static_cast<std::uint16_t>(pkt.size());
        ih.id = ++id_;
        ih.df = true;
        ih.protocol = ip::kProtoTcp;
        ih.src = t.local_ip;
        ih.dst = t.remote_ip;
        ip::build_ipv4_header(pkt, ih);
        const auto& c = link_.from(side_).counters();
        const std::uint64_t before = c.dropped + c.dropped_nth + c.overflowed;
        link_.send(side_, pkt, now_);
        if (plot_)
            plot_->segment(trace::Dir::Out, now_, t.local_ip, t.remote_ip, h, p1.size() + p2.size(),
                           c.dropped + c.dropped_nth + c.overflowed > before);
    }

private:
    l2::SimLink& link_;
    l2::Side side_;
    Time& now_;
    trace::PlotRecorder* plot_;
    std::uint16_t id_ = 0;
};

// The sender's events into the plot, and the largest cwnd seen.
struct Watch final : tcp::Observer {
    trace::PlotRecorder& plot;
    std::uint32_t max_cwnd = 0;
    explicit Watch(trace::PlotRecorder& p) : plot(p) {}
    void on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, Time now) override {
        if (e.kind == tcp::TraceEvent::Kind::Sample)
            max_cwnd = std::max(max_cwnd, static_cast<std::uint32_t>(e.value));
        plot.on_event(t, e, now);
    }
};

l2::FaultConfig data_direction(const Settings& s, std::uint64_t seed) {
    l2::FaultConfig f;
    f.drop_pct = s.loss;
    f.delay = s.delay;
    f.bandwidth = s.bandwidth;
    const double bdp_packets = static_cast<double>(s.bandwidth) * 2 *
                               std::chrono::duration<double>(s.delay).count() / 1500;
    f.queue_limit = s.queue ? s.queue : static_cast<std::size_t>(bdp_packets) + 1;
    f.seed = seed;
    return f;
}

struct Run {
    const Settings& s;
    Time now{0};
    std::unique_ptr<l2::SimLink> link;
    trace::PlotRecorder plot;
    Watch watch{plot};
    std::unique_ptr<Wire> wire_a, wire_b;
    std::unique_ptr<tcp::Connection> a, b;
    std::uint64_t sent = 0, got = 0;
    std::vector<std::uint8_t> data, rx;

    Run(const Settings& settings, const std::string& cc) : s(settings) {
        l2::FaultConfig back;
        back.delay = s.delay;
        back.seed = s.seed * 7919 + 1;
        link = std::make_unique<l2::SimLink>(data_direction(s, s.seed), back);
        wire_a = std::make_unique<Wire>(*link, l2::Side::A, now, &plot);
        wire_b = std::make_unique<Wire>(*link, l2::Side::B, now, nullptr);
        tcp::Config cfg;
        cfg.congestion = cc;
        // Buffers above the bandwidth-delay product, so cwnd, not the
        // receive window, limits the sender.
        cfg.send_buffer = cfg.recv_buffer = 4 << 20;
        a = tcp::Connection::connect({kIpA, 40000, kIpB, 80}, cfg, 1000, now, *wire_a, &watch);
        cfg_b = cfg;
        data.resize(64 * 1024);
        std::mt19937 r(static_cast<std::uint32_t>(s.seed));
        for (auto& x : data) x = static_cast<std::uint8_t>(r());
    }
    tcp::Config cfg_b;

    void deliver(l2::Side to) {
        std::vector<std::uint8_t> pkt;
        while (link->poll(to, now, pkt)) {
            auto v = ip::parse_ipv4(pkt);
            if (!v.ok() || v->header.protocol != ip::kProtoTcp) continue;
            auto seg = tcp::parse(v->payload, v->header.src, v->header.dst, true);
            if (!seg.ok()) continue;
            if (to == l2::Side::A) {
                plot.segment(trace::Dir::In, now, v->header.src, v->header.dst, seg->header,
                             seg->payload.size());
                a->on_segment(seg.value, now);
            } else if (!b) {
                const auto& h = seg->header;
                if (h.has(tcp::flag::SYN) && !h.has(tcp::flag::ACK))
                    b = tcp::Connection::accept({kIpB, 80, kIpA, 40000}, cfg_b, 5000, seg.value, now,
                                                *wire_b);
            } else {
                b->on_segment(seg.value, now);
            }
        }
    }

    void pump() {
        while (sent < s.bytes) {
            const std::size_t off = sent % data.size();
            const std::size_t want = std::min<std::uint64_t>(data.size() - off, s.bytes - sent);
            const std::size_t n = a->send(base::Bytes(data).subspan(off, want), now);
            if (n == 0) break;
            sent += n;
        }
        if (sent == s.bytes && a->state() == tcp::State::Established) a->shutdown_send(now);
        std::uint8_t buf[65536];
        if (b)
            while (std::size_t n = b->recv(buf, now)) got += n;
        if (b && b->eof() && b->state() == tcp::State::CloseWait) b->close(now);
    }

    // Runs until B has every byte and both have closed, or `limit` passes.
    bool run(tcp::Duration limit) {
        while (now < Time{0} + limit) {
            pump();
            if (got >= s.bytes && a->state() == tcp::State::TimeWait) return true;
            std::optional<Time> next = link->next_deadline();
            for (auto* c : {a.get(), b.get()})
                if (c)
                    if (auto d = c->next_deadline(); d && (!next || *d < *next)) next = d;
            if (!next) return false;
            now = std::max(now, *next);
            deliver(l2::Side::B);
            deliver(l2::Side::A);
            for (auto* c : {a.get(), b.get()})
                if (c)
                    if (auto d = c->next_deadline(); d && *d <= now) c->on_timer(now);
        }
        return false;
    }
};

Result compare_one(const Settings& s, const std::string& cc) {
    Run r(s, cc);
    Result res;
    res.cc = cc;
    res.done = r.run(3600s);
    res.elapsed = r.now;
    res.stats = r.a->stats();
    res.max_cwnd = r.watch.max_cwnd;
    if (!s.plot_dir.empty()) {
        auto plots = r.plot.finish();
        if (!plots.empty()) {
            const std::string name = s.plot_dir + "/cc-" + cc + ".svg";
            std::ofstream f(name, std::ios::trunc);
            f << trace::render_plot_svg(plots.front());
            if (!f) {
                std::cerr << "cc_compare: cannot write " << name << "\n";
                std::exit(1);
            }
        }
    }
    return res;
}

void print_table(const Settings& s, const std::vector<Result>& rs) {
    std::printf("%llu bytes A -> B, %.6g Mbit/s bottleneck, RTT %lld ms, %.3g%% loss on the data "
                "path, seed %llu\n",
                static_cast<unsigned long long>(s.bytes), s.bandwidth * 8 / 1e6,
                static_cast<long long>(2 * s.delay.count() / 1000), s.loss,
                static_cast<unsigned long long>(s.seed));
    std::printf("%-10s %14s %10s %8s %6s %16s %10s\n", "controller", "goodput Mbit/s", "time ms",
                "retrans", "RTOs", "fast retransmits", "max cwnd");
    for (const auto& r : rs) {
        const double secs = std::chrono::duration<double>(r.elapsed).count();
        std::printf("%-10s %14.2f %10.0f %8llu %6llu %16llu %10u%s\n", r.cc.c_str(),
                    secs > 0 ? s.bytes * 8 / secs / 1e6 : 0.0, secs * 1000,
                    static_cast<unsigned long long>(r.stats.retransmits),
                    static_cast<unsigned long long>(r.stats.rto_timeouts),
                    static_cast<unsigned long long>(r.stats.fast_retransmits), r.max_cwnd,
                    r.done ? "" : "  (did not finish)");
    }
}

Settings parse(int argc, char** argv) {
    namespace po = app::po;
    const std::string name = "cc_compare";
    po::options_description desc("Options");
    desc.add_options()
        ("bytes", po::value<std::uint64_t>()->default_value(4'000'000), "bytes to send A -> B")
        ("loss", po::value<double>()->default_value(1), "random loss on the data path, percent")
        ("rtt-ms", po::value<unsigned>()->default_value(50), "round-trip propagation delay")
        ("mbit", po::value<double>()->default_value(100), "bottleneck bandwidth, Mbit/s")
        ("queue", po::value<std::size_t>()->default_value(0),
         "bottleneck queue in packets (0: one bandwidth-delay product)")
        ("seed", po::value<std::uint64_t>()->default_value(1), "loss seed: the same seed, the same run")
        ("cc", po::value<std::string>()->default_value("newreno,cubic,highspeed"),
         "controllers to compare, comma-separated")
        ("plot-dir", po::value<std::string>(), "write DIR/cc-<controller>.svg for each");
    app::add_common_options(desc, "warning");
    const auto vm = app::parse_command_line(name, argc, argv, desc, nullptr, "[options]");
    Settings s;
    s.bytes = vm["bytes"].as<std::uint64_t>();
    s.loss = vm["loss"].as<double>();
    const double mbit = vm["mbit"].as<double>();
    const unsigned rtt = vm["rtt-ms"].as<unsigned>();
    if (s.bytes == 0 || s.bytes > (1ull << 34)) app::usage_error(name, "--bytes must be 1 to 2^34");
    if (!(s.loss >= 0 && s.loss < 50)) app::usage_error(name, "--loss must be 0 to 50 (percent)");
    if (!(mbit >= 0.1 && mbit <= 100000)) app::usage_error(name, "--mbit must be 0.1 to 100000");
    if (rtt < 2 || rtt > 10000) app::usage_error(name, "--rtt-ms must be 2 to 10000");
    s.bandwidth = static_cast<std::uint64_t>(mbit * 1e6 / 8);
    s.delay = std::chrono::milliseconds(rtt / 2);
    s.queue = vm["queue"].as<std::size_t>();
    s.seed = vm["seed"].as<std::uint64_t>();
    s.controllers.clear();
    std::stringstream list(vm["cc"].as<std::string>());
    for (std::string cc; std::getline(list, cc, ',');) {
        if (!tcp::make_congestion_control(cc, 1460))
            app::usage_error(name, "--cc: unknown controller '" + cc + "' (newreno, cubic, highspeed)");
        s.controllers.push_back(cc);
    }
    if (s.controllers.empty()) app::usage_error(name, "--cc needs at least one controller");
    if (vm.count("plot-dir")) {
        s.plot_dir = vm["plot-dir"].as<std::string>();
        struct stat st {};
        if (::stat(s.plot_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
            ::access(s.plot_dir.c_str(), W_OK) != 0)
            app::usage_error(name, "--plot-dir: '" + s.plot_dir + "' is not a writable directory");
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    const Settings s = parse(argc, argv);
    std::vector<Result> results;
    for (const auto& cc : s.controllers) results.push_back(compare_one(s, cc));
    print_table(s, results);
    for (const auto& r : results)
        if (!r.done) return 1;
    return 0;
}
