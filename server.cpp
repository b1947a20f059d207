// server: a TCP echo server on our own stack, and the classic test services
// (RFC 863 discard, RFC 867 daytime) on ports of your choice.
//
//   sudo ./server                      # echo on every local address, port 8080
//   sudo ./server --discard 9 --daytime 13 --log-level debug
//   sudo ./server --http 80 --http-root /srv/www  # HTTP/1.1 static files
//
// Prints "listening on ADDR:PORT" on stdout when ready (tests wait for it),
// one thread per connection on the blocking socket API.
#include <climits>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "app/http.hpp"
#include "app/program.hpp"

namespace {

using stack::Err;

// Tracks the per-connection threads so that main() can wait for them.
struct Workers {
    std::mutex mu;
    std::condition_variable cv;
    int active = 0;
    bool stopping = false;

    template <class Fn>
    void spawn(Fn fn) {
        {
            std::lock_guard lk(mu);
            ++active;
        }
        std::thread([this, fn = std::move(fn)]() mutable {
            fn();
            std::lock_guard lk(mu);
            --active;
            cv.notify_all();
        }).detach();
    }
};

void log_close(stack::Socket& s, const std::string& peer, Err why) {
    const Err e = s.close();
    if (why == Err::None) why = e;
    if (why == Err::None || why == Err::Shutdown) {
        LOG(app, info) << "closed " << peer;
    } else {
        LOG(app, info) << "closed " << peer << " (" << stack::to_string(why) << ")";
    }
}

// Echo: every byte received is sent back.
void echo(stack::Socket s) {
    const std::string peer = s.peer();
    LOG(app, info) << "connection from " << peer;
    std::vector<std::uint8_t> buf(64 * 1024);
    Err why = Err::None;
    for (;;) {
        auto r = s.recv(buf);
        if (!r) { why = r.err; break; }
        if (r.value == 0) break;  // the peer's FIN: close our side too
        if (Err e = s.send({buf.data(), r.value}); e != Err::None) { why = e; break; }
    }
    log_close(s, peer, why);
}

// RFC 863: "simply throw away any data it receives".
void discard(stack::Socket s) {
    const std::string peer = s.peer();
    LOG(app, info) << "discard: connection from " << peer;
    std::vector<std::uint8_t> buf(64 * 1024);
    Err why = Err::None;
    for (;;) {
        auto r = s.recv(buf);
        if (!r) { why = r.err; break; }
        if (r.value == 0) break;
    }
    log_close(s, peer, why);
}

// RFC 867: "send the current date and time as an ASCII character string"
// and close; the server closes first, so it walks FIN-WAIT and TIME-WAIT.
void daytime(stack::Socket s) {
    const std::string peer = s.peer();
    LOG(app, info) << "daytime: connection from " << peer;
    char line[128];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    // The RFC's suggested shape: "Weekday, Month Day, Year HH:MM:SS-Zone".
    std::size_t n = std::strftime(line, sizeof line, "%A, %B %d, %Y %H:%M:%S-%Z\r\n", &tm);
    const Err e = s.send({reinterpret_cast<const std::uint8_t*>(line), n});
    log_close(s, peer, e);
}

// ---- Session adapter (temporary) -------------------------------------------
// Serves an app::Session over the blocking socket, in this connection's
// thread: recv -> feed, produce -> send, finished -> close. Everything the
// session has to send goes out before more is read, which is all the
// back-pressure a blocking socket needs. The event-loop Session driver
// replaces this function (and http() below calls that driver instead).
void serve_session(stack::Socket s, app::Session& session, const char* name) {
    const std::string peer = s.peer();
    LOG(app, info) << name << ": connection from " << peer;
    std::vector<std::uint8_t> buf(64 * 1024);
    Err why = Err::None;
    bool eof = false;
    for (;;) {
        while (std::size_t n = session.produce(buf)) {
            if (Err e = s.send({buf.data(), n}); e != Err::None) { why = e; break; }
        }
        if (why != Err::None || session.finished() || eof) break;
        auto r = s.recv(buf);
        if (!r) { why = r.err; break; }
        if (r.value == 0) {  // the peer's FIN: answer what it sent, then close
            session.peer_closed();
            eof = true;
            continue;
        }
        session.feed({buf.data(), r.value});
    }
    log_close(s, peer, why);
}
// ---- end of the Session adapter ---------------------------------------------

std::string http_root;  // realpath of --http-root, set by config() before any thread

// HTTP/1.1 static files under --http-root (app/http.hpp).
void http(stack::Socket s) {
    app::http::Config cfg;
    cfg.root = http_root;
    app::http::Server session(std::move(cfg));
    serve_session(std::move(s), session, "http");
}

struct Service {
    const char* name;
    std::uint16_t port;
    void (*serve)(stack::Socket);
};

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
    c.services.push_back({"echo", port_of("port"), echo});
    if (vm.count("discard")) c.services.push_back({"discard", port_of("discard"), discard});
    if (vm.count("daytime")) c.services.push_back({"daytime", port_of("daytime"), daytime});
    if (vm.count("http")) {
        const std::string root = vm["http-root"].as<std::string>();
        if (auto why = app::http::check_root(root)) prog.usage_error(*why);
        char real[PATH_MAX];
        http_root = ::realpath(root.c_str(), real) ? real : root;
        c.services.push_back({"http", port_of("http"), http});
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

// Opens every listener (and the UDP socket) before any thread starts, so a
// failure leaves nothing running: one line, and the stack shut down.
std::vector<stack::Listener> listen_all(app::Program& prog, stack::Stack& st, const Config& c) {
    std::vector<stack::Listener> listeners;
    for (const auto& svc : c.services) {
        auto l = st.listen(c.addr, svc.port, c.backlog);
        if (l.err == Err::AddrInUse) prog.fail("port " + std::to_string(svc.port) + " is already in use");
        if (l.err == Err::AddrNotAvail) prog.fail(ip::addr_to_string(c.addr) + " is not an address of this host");
        if (!l) prog.fail("cannot listen on port " + std::to_string(svc.port) + ": " + std::string(stack::to_string(l.err)));
        if (svc.serve != echo) {
            LOG(app, info) << svc.name << " on " << ip::addr_to_string(c.addr) << ":" << svc.port;
        }
        listeners.push_back(std::move(l.value));
    }
    return listeners;
}

// UDP echo (RFC 862): every datagram goes back to its sender.
void udp_echo(stack::DatagramSocket sock) {
    std::vector<std::uint8_t> buf(65536);
    for (;;) {
        auto d = sock.recv_from(buf);
        if (d.err == Err::Shutdown || d.err == Err::Closed) break;
        if (!d) continue;  // an ICMP error about an earlier reply
        sock.send_to(d.value.addr, d.value.port, {buf.data(), d.value.length});
    }
}

}  // namespace

int main(int argc, char** argv) {
    app::Program prog("server");  // first: before any thread exists
    const auto desc = options();
    const auto vm = prog.parse(argc, argv, desc, nullptr, "[options]");
    auto opts = prog.stack_options(vm, app::RawAddr::Listen);
    const Config cfg = config(prog, vm, opts.link);

    Workers workers;
    prog.on_signal([&](int) {
        std::lock_guard wl(workers.mu);
        workers.stopping = true;
        workers.cv.notify_all();
    });
    stack::Stack& st = prog.open(std::move(opts));
    std::vector<stack::Listener> listeners = listen_all(prog, st, cfg);
    stack::DatagramSocket udp;
    if (cfg.udp) {
        auto u = st.udp_open(cfg.addr, cfg.services[0].port);
        if (!u) prog.fail("cannot open UDP port " + std::to_string(cfg.services[0].port) + ": " + std::string(stack::to_string(u.err)));
        LOG(app, info) << "UDP echo on " << ip::addr_to_string(cfg.addr) << ":" << cfg.services[0].port;
        udp = std::move(u.value);
    }

    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < cfg.services.size(); ++i) {
        threads.emplace_back([&, i] {
            for (;;) {
                auto s = listeners[i].accept();
                if (!s) break;  // shutting down
                workers.spawn([serve = cfg.services[i].serve, sock = std::move(s.value)]() mutable {
                    serve(std::move(sock));
                });
            }
        });
    }
    if (udp.valid()) threads.emplace_back(udp_echo, std::move(udp));
    prog.ready();
    std::cout << "listening on " << ip::addr_to_string(cfg.addr) << ":" << cfg.services[0].port << std::endl;

    {
        std::unique_lock lk(workers.mu);
        workers.cv.wait(lk, [&] { return workers.stopping; });
    }
    st.shutdown();
    for (auto& t : threads) t.join();
    {
        std::unique_lock lk(workers.mu);
        workers.cv.wait(lk, [&] { return workers.active == 0; });
    }
    listeners.clear();
    prog.print_stats();  // --stats
    prog.close_stack();
    return 0;
}
