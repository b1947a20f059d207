// server: a TCP echo server on our own stack, and the classic test services
// (RFC 863 discard, RFC 867 daytime) on ports of your choice.
//
//   sudo ./server                      # echo on every local address, port 8080
//   sudo ./server --discard 9 --daytime 13 --log-level debug
//
// Prints "listening on ADDR:PORT" on stdout when ready (tests wait for it),
// one thread per connection on the blocking socket API.
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
#include "stack/signals.hpp"
#include "stack/stack_cli.hpp"

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

}  // namespace

int main(int argc, char** argv) {
    stack::ExitSignals signals;  // first: before any thread exists
    namespace po = stack::po;
    po::options_description desc("Options");
    desc.add_options()
        ("addr", po::value<std::string>()->default_value("0.0.0.0"), "local address to listen on (0.0.0.0: all); packet/tap: our address A/len")
        ("port", po::value<unsigned>()->default_value(8080), "echo port")
        ("discard", po::value<unsigned>(), "also serve discard (RFC 863) on this port")
        ("daytime", po::value<unsigned>(), "also serve daytime (RFC 867) on this port")
        ("backlog", po::value<int>()->default_value(128), "accept-queue limit per listener");
    desc.add_options()  // issue 5
        ("udp", po::bool_switch(), "packet/tap: also serve UDP echo (RFC 862) on the echo port");
    stack::add_stack_options(desc);
    stack::add_common_options(desc);
    const auto vm = stack::parse_command_line(argc, argv, desc, nullptr, "[options]");
    const std::string prog = "server";

    // In packet/tap mode --addr is A/len: we listen on A.
    const std::string addr_text = vm["addr"].as<std::string>();
    const auto addr = stack::parse_host(addr_text.substr(0, addr_text.find('/')));
    if (!addr) {
        std::cerr << prog << ": bad address '" << vm["addr"].as<std::string>()
                  << "' (use a dotted quad like 127.0.0.1)\n";
        return 2;
    }
    auto port_of = [&](const char* name) -> std::uint16_t {
        const unsigned p = vm[name].as<unsigned>();
        if (p == 0 || p > 65535) {
            std::cerr << prog << ": --" << name << " must be a port between 1 and 65535\n";
            std::exit(2);
        }
        return static_cast<std::uint16_t>(p);
    };
    struct Service {
        const char* name;
        std::uint16_t port;
        void (*serve)(stack::Socket);
    };
    std::vector<Service> services{{"echo", port_of("port"), echo}};
    if (vm.count("discard")) services.push_back({"discard", port_of("discard"), discard});
    if (vm.count("daytime")) services.push_back({"daytime", port_of("daytime"), daytime});

    Workers workers;
    std::mutex stack_mu;
    std::unique_ptr<stack::Stack> st;
    signals.on_signal([&](int sig) {
        LOG(app, info) << "stopping (" << sigabbrev_np(sig) << ")";
        std::lock_guard lk(stack_mu);
        if (st) st->shutdown();  // every blocked call returns; the nft table goes
        std::lock_guard wl(workers.mu);
        workers.stopping = true;
        workers.cv.notify_all();
    });

    try {
        auto opened = stack::Stack::open(stack::stack_options(vm, prog));
        std::lock_guard lk(stack_mu);
        st = std::move(opened);
    } catch (const stack::StackError& e) {
        std::cerr << prog << ": " << e.what() << "\n";
        return 1;
    }

    std::vector<stack::Listener> listeners;
    for (const auto& svc : services) {
        auto l = st->listen(*addr, svc.port, vm["backlog"].as<int>());
        if (!l) {
            st->shutdown();  // removes the firewall table, so the error is the last line
            if (l.err == Err::AddrInUse)
                std::cerr << prog << ": port " << svc.port << " is already in use\n";
            else if (l.err == Err::AddrNotAvail)
                std::cerr << prog << ": " << ip::addr_to_string(*addr) << " is not an address of this host\n";
            else
                std::cerr << prog << ": cannot listen on port " << svc.port << ": " << stack::to_string(l.err) << "\n";
            return 1;
        }
        if (svc.serve != echo) {
            LOG(app, info) << svc.name << " on " << ip::addr_to_string(*addr) << ":" << svc.port;
        }
        listeners.push_back(std::move(l.value));
    }

    std::vector<std::thread> acceptors;
    for (std::size_t i = 0; i < services.size(); ++i) {
        acceptors.emplace_back([&, i] {
            for (;;) {
                auto s = listeners[i].accept();
                if (!s) break;  // shutting down
                workers.spawn([serve = services[i].serve, sock = std::move(s.value)]() mutable {
                    serve(std::move(sock));
                });
            }
        });
    }
    // UDP echo (RFC 862): every datagram goes back to its sender.
    std::thread udp_echo;
    if (vm["udp"].as<bool>()) {
        auto u = st->udp_open(*addr, services[0].port);
        if (!u) {
            st->shutdown();
            std::cerr << prog << ": "
                      << (u.err == Err::Failed ? std::string("--udp needs --link packet or tap")
                                               : "cannot open UDP port " + std::to_string(services[0].port) +
                                                     ": " + std::string(stack::to_string(u.err)))
                      << "\n";
            return 1;
        }
        LOG(app, info) << "UDP echo on " << ip::addr_to_string(*addr) << ":" << services[0].port;
        udp_echo = std::thread([sock = std::move(u.value)]() mutable {
            std::vector<std::uint8_t> buf(65536);
            for (;;) {
                auto d = sock.recv_from(buf);
                if (d.err == Err::Shutdown || d.err == Err::Closed) break;
                if (!d) continue;  // an ICMP error about an earlier reply
                sock.send_to(d.value.addr, d.value.port, {buf.data(), d.value.length});
            }
        });
    }
    std::cout << "listening on " << ip::addr_to_string(*addr) << ":" << services[0].port << std::endl;

    {
        std::unique_lock lk(workers.mu);
        workers.cv.wait(lk, [&] { return workers.stopping; });
    }
    st->shutdown();
    for (auto& t : acceptors) t.join();
    if (udp_echo.joinable()) udp_echo.join();
    {
        std::unique_lock lk(workers.mu);
        workers.cv.wait(lk, [&] { return workers.active == 0; });
    }
    listeners.clear();
    if (vm["stats"].as<bool>()) std::cerr << "stats: " << st->counters() << "\n";
    std::lock_guard lk(stack_mu);
    st.reset();
    return 0;
}
