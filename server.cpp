// server: a TCP echo server on our own stack, and the classic test services
// (RFC 863 discard, RFC 867 daytime) on ports of your choice.
//
//   sudo ./server                      # echo on every local address, port 8080
//   sudo ./server --discard 9 --daytime 13 --log-level debug
//   sudo ./server --http 80 --http-root /srv/www  # HTTP/1.1 static files
//
// Prints "listening on ADDR:PORT" on stdout when ready (tests wait for it).
// Every service is an app::Session driven on the stack's loop thread by
// app::SessionServer (stack/events.hpp): no thread per connection; the
// threads are the loop, the signal watcher and main.
#include <climits>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <vector>

#include "app/http.hpp"
#include "app/program.hpp"
#include "app/services.hpp"
#include "app/session_driver.hpp"
#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "stack/events.hpp"

namespace {

using stack::Err;

struct Service {
    const char* name;
    std::uint16_t port;
    app::SessionFactory make;
};

template <class S>
app::SessionFactory factory() {
    return [] { return std::make_unique<S>(); };
}

struct Config {
    std::uint32_t addr = 0;
    std::vector<Service> services;  // echo first
    int backlog = 128;
    bool udp = false;
};

app::po::options_description options() {
    namespace po = app::po;
    po::options_description desc("Options");
    desc.add_options()
        ("addr", po::value<std::vector<std::string>>()->default_value({"0.0.0.0"}, "0.0.0.0"), "local address to listen on (0.0.0.0: all); packet/tap: our address A/len (one per --ifname; with several we listen on all)")
        ("port", po::value<unsigned>()->default_value(8080), "echo port")
        ("discard", po::value<unsigned>(), "also serve discard (RFC 863) on this port")
        ("daytime", po::value<unsigned>(), "also serve daytime (RFC 867) on this port")
        ("http", po::value<unsigned>(), "also serve HTTP/1.1 static files on this port")
        ("http-root", po::value<std::string>()->default_value("."), "the directory --http serves")
        ("backlog", po::value<int>()->default_value(128), "accept-queue limit per listener (1..65535)")
        ("udp", po::bool_switch(), "packet/tap: also serve UDP echo (RFC 862) on the echo port");
    app::add_stack_options(desc);
    app::add_common_options(desc);
    return desc;
}

// Every value checked before anything is opened: a mistake is one line, exit 2.
Config config(const app::Program& prog, const app::po::variables_map& vm, const std::string& link) {
    Config c;
    // In packet/tap mode --addr is A/len: we listen on A.
    const auto all = vm["addr"].as<std::vector<std::string>>();
    const std::string text = all.size() > 1 ? "0.0.0.0" : all.front();
    const auto addr = app::parse_host(text.substr(0, text.find('/')));
    if (!addr) prog.usage_error("bad address '" + text + "' (use a dotted quad like 127.0.0.1)");
    c.addr = *addr;
    auto port_of = [&](const char* name) -> std::uint16_t {
        const unsigned p = vm[name].as<unsigned>();
        if (p == 0 || p > 65535) prog.usage_error(std::string("--") + name + " must be a port between 1 and 65535");
        return static_cast<std::uint16_t>(p);
    };
    c.services.push_back({"echo", port_of("port"), factory<app::EchoSession>()});
    if (vm.count("discard")) c.services.push_back({"discard", port_of("discard"), factory<app::DiscardSession>()});
    if (vm.count("daytime")) c.services.push_back({"daytime", port_of("daytime"), factory<app::DaytimeSession>()});
    if (vm.count("http")) {
        const std::string root = vm["http-root"].as<std::string>();
        if (auto why = app::http::check_root(root)) prog.usage_error(*why);
        char real[PATH_MAX];
        app::http::Config hc;
        hc.root = ::realpath(root.c_str(), real) ? real : root;
        c.services.push_back({"http", port_of("http"), [hc] { return std::make_unique<app::http::Server>(hc); }});
    } else if (app::given(vm, "http-root")) {
        prog.usage_error("--http-root needs --http PORT");
    }
    for (std::size_t i = 0; i < c.services.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (c.services[i].port == c.services[j].port)
                prog.usage_error(std::string(c.services[i].name) + " and " + c.services[j].name +
                                 " cannot share port " + std::to_string(c.services[i].port));
    c.backlog = vm["backlog"].as<int>();
    if (c.backlog < 1 || c.backlog > 65535) prog.usage_error("--backlog must be between 1 and 65535");
    c.udp = vm["udp"].as<bool>();
    if (c.udp && link == "raw")
        prog.usage_error("--udp needs --link packet or tap (in raw mode the kernel owns UDP)");
    return c;
}

// UDP echo (RFC 862): every datagram goes back to its sender.
struct UdpEcho final : stack::Events {
    void on_event(stack::Loop& loop, stack::SocketId id) override {
        while (auto d = loop.recv_from(id)) {
            if (d->err != Err::None) continue;  // an ICMP error about an earlier reply
            loop.send_to(id, d->addr, d->port, d->data);
        }
    }
};

// Everything the loop thread serves, opened there before "listening on":
// a failure is one line, and the stack shut down (Program::fail).
struct Servers {
    std::vector<std::unique_ptr<app::SessionServer>> tcp;
    UdpEcho udp;
    std::size_t failed = 0;  // index of the service that failed, if any
    Err err = Err::None;
    Err udp_err = Err::None;
};

void open_all(app::Program& prog, stack::Stack& st, const Config& c, Servers& sv) {
    for (const auto& svc : c.services)
        sv.tcp.push_back(std::make_unique<app::SessionServer>(
            svc.port == c.services[0].port ? "" : svc.name, svc.make));
    const bool ran = st.run_on_loop([&](stack::Loop& loop) {
        for (std::size_t i = 0; i < c.services.size(); ++i) {
            auto r = sv.tcp[i]->listen(loop, c.addr, c.services[i].port, c.backlog);
            if (!r) {
                sv.failed = i;
                sv.err = r.err;
                return;
            }
        }
        if (c.udp) sv.udp_err = loop.udp_open(c.addr, c.services[0].port, &sv.udp).err;
    });
    if (!ran) sv.err = Err::Shutdown;
    if (sv.err != Err::None) {
        const std::string port = std::to_string(c.services[sv.failed].port);
        if (sv.err == Err::AddrInUse) prog.fail("port " + port + " is already in use");
        if (sv.err == Err::AddrNotAvail) prog.fail(ip::addr_to_string(c.addr) + " is not an address of this host");
        prog.fail("cannot listen on port " + port + ": " + std::string(stack::to_string(sv.err)));
    }
    if (sv.udp_err != Err::None)
        prog.fail("cannot open UDP port " + std::to_string(c.services[0].port) + ": " +
                  std::string(stack::to_string(sv.udp_err)));
    for (std::size_t i = 1; i < c.services.size(); ++i) {
        LOG(app, info) << c.services[i].name << " on " << ip::addr_to_string(c.addr) << ":" << c.services[i].port;
    }
    if (c.udp) {
        LOG(app, info) << "UDP echo on " << ip::addr_to_string(c.addr) << ":" << c.services[0].port;
    }
}

}  // namespace

int main(int argc, char** argv) {
    app::Program prog("server");  // first: before any thread exists
    const auto desc = options();
    const auto vm = prog.parse(argc, argv, desc, nullptr, "[options]");
    auto opts = prog.stack_options(vm, app::RawAddr::Listen);
    const Config cfg = config(prog, vm, opts.link);

    std::mutex mu;
    std::condition_variable cv;
    bool stopping = false;
    prog.on_signal([&](int) {
        std::lock_guard lk(mu);
        stopping = true;
        cv.notify_all();
    });
    stack::Stack& st = prog.open(std::move(opts));
    // Declared after the stack is open and destroyed before it is freed,
    // once the loop thread has stopped (st.shutdown() below).
    Servers servers;
    open_all(prog, st, cfg, servers);
    prog.ready();
    std::cout << "listening on " << ip::addr_to_string(cfg.addr) << ":" << cfg.services[0].port << std::endl;

    {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return stopping; });
    }
    st.shutdown();
    prog.print_stats();  // --stats
    prog.close_stack();
    return 0;
}
