// client: sends each line of standard input to a TCP server over our own
// stack and prints what comes back.
//
//   sudo ./client                      # 127.0.0.1 8080, interactive prompt
//   printf 'hello\nworld\n' | sudo ./client 127.0.0.1 8080
//
// On a terminal it prompts and prints "Server response: ..."; with a pipe it
// prints only the replies, one per line. `exit` or end of input closes with
// FIN and waits until the close completes. A reader thread prints whatever
// the server sends, so daytime (which talks first) and discard (which never
// answers) work too.
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "stack/signals.hpp"
#include "stack/stack_cli.hpp"

namespace {

using stack::Err;

// Exit codes, one per failure a script may want to tell apart.
enum Exit { Ok = 0, Failed = 1, Usage = 2, Refused = 3, TimedOut = 4, Reset = 5, Unreachable = 6 };

// Prints the server's bytes line by line, as they arrive.
struct Reader {
    Reader(stack::Socket& s, bool p) : sock(s), prefix(p) {}
    stack::Socket& sock;
    bool prefix;  // "Server response: " on a terminal
    std::mutex mu;
    std::condition_variable cv;
    std::size_t lines = 0;
    bool done = false;
    Err error = Err::None;

    void print(std::string line) {
        if (!line.empty() && line.back() == '\r') line.pop_back();  // daytime's CRLF
        std::lock_guard lk(mu);
        std::cout << (prefix ? "Server response: " : "") << line << std::endl;
        ++lines;
        cv.notify_all();
    }

    void run() {
        std::vector<std::uint8_t> buf(64 * 1024);
        std::string pending;
        Err err = Err::None;
        for (;;) {
            auto r = sock.recv(buf);
            if (!r) { err = r.err; break; }
            if (r.value == 0) break;
            pending.append(reinterpret_cast<const char*>(buf.data()), r.value);
            std::size_t start = 0, nl;
            while ((nl = pending.find('\n', start)) != std::string::npos) {
                print(pending.substr(start, nl - start));
                start = nl + 1;
            }
            pending.erase(0, start);
        }
        if (!pending.empty()) print(pending);
        std::lock_guard lk(mu);
        done = true;
        error = err;
        cv.notify_all();
    }
};

}  // namespace

int main(int argc, char** argv) {
    stack::ExitSignals signals;  // first: before any thread exists
    namespace po = stack::po;
    po::options_description desc("Options");
    desc.add_options()
        ("host", po::value<std::string>()->default_value("127.0.0.1"), "server address")
        ("port", po::value<unsigned>()->default_value(8080), "server port")
        ("connect-timeout", po::value<double>()->default_value(10), "seconds to wait for the handshake");
    desc.add_options()  // issue 5
        ("addr", po::value<std::string>(), "packet/tap: our address A/len on the link");
    stack::add_stack_options(desc);
    stack::add_common_options(desc, "warning");
    po::positional_options_description pos;
    pos.add("host", 1).add("port", 1);
    const auto vm = stack::parse_command_line(argc, argv, desc, &pos, "[options] [HOST [PORT]]");
    const std::string prog = "client";

    const std::string host_text = vm["host"].as<std::string>();
    const auto host = stack::parse_host(host_text);
    if (!host) {
        std::cerr << prog << ": bad address '" << host_text
                  << "' (use a dotted quad like 127.0.0.1, or localhost)\n";
        return Usage;
    }
    const unsigned port = vm["port"].as<unsigned>();
    if (port == 0 || port > 65535) {
        std::cerr << prog << ": port must be between 1 and 65535\n";
        return Usage;
    }
    const double timeout_s = vm["connect-timeout"].as<double>();
    if (!(timeout_s > 0 && timeout_s <= 3600)) {
        std::cerr << prog << ": --connect-timeout must be between 0 and 3600 seconds\n";
        return Usage;
    }
    const std::string server = host_text + ":" + std::to_string(port);

    std::mutex stack_mu;
    std::unique_ptr<stack::Stack> st;
    signals.on_signal([&](int sig) {
        std::lock_guard lk(stack_mu);
        if (st) st->shutdown();  // RST to the server, nft table removed
        std::_Exit(128 + sig);
    });
    try {
        auto opened = stack::Stack::open(stack::stack_options(vm, prog));
        std::lock_guard lk(stack_mu);
        st = std::move(opened);
    } catch (const stack::StackError& e) {
        std::cerr << prog << ": " << e.what() << "\n";
        return Failed;
    }

    auto c = st->connect(*host, static_cast<std::uint16_t>(port),
                         stack::Millis(static_cast<long>(timeout_s * 1000)));
    if (!c) {
        st->shutdown();  // removes the firewall table, so the error is the last line
        switch (c.err) {
            case Err::Refused:
                std::cerr << prog << ": connection to " << server << " refused (nothing listens there)\n";
                return Refused;
            case Err::TimedOut:
                std::cerr << prog << ": connection to " << server << " timed out (no answer in "
                          << timeout_s << " s)\n";
                return TimedOut;
            case Err::Reset:
                std::cerr << prog << ": connection to " << server << " reset by the server\n";
                return Reset;
            case Err::Unreachable:
                std::cerr << prog << ": " << host_text << " is unreachable (no route to it)\n";
                return Unreachable;
            default:
                std::cerr << prog << ": connecting to " << server << " failed: " << stack::to_string(c.err) << "\n";
                return Failed;
        }
    }
    stack::Socket sock = std::move(c.value);
    LOG(app, info) << "connected " << sock.local() << " -> " << sock.peer();

    const bool interactive = isatty(STDIN_FILENO);
    Reader reader(sock, interactive);
    std::thread reader_thread([&] { reader.run(); });

    Err send_err = Err::None;
    std::string line;
    for (;;) {
        if (interactive) std::cout << "Enter message to send (or 'exit' to quit): " << std::flush;
        if (!std::getline(std::cin, line) || line == "exit") break;
        std::size_t seen;
        {
            std::lock_guard lk(reader.mu);
            seen = reader.lines;
        }
        line += '\n';
        send_err = sock.send({reinterpret_cast<const std::uint8_t*>(line.data()), line.size()});
        if (send_err != Err::None) break;
        if (interactive) {  // let the reply print before the next prompt
            std::unique_lock lk(reader.mu);
            reader.cv.wait_for(lk, std::chrono::seconds(5), [&] { return reader.lines > seen || reader.done; });
        }
    }

    // Half-close, then let the server finish echoing and send its FIN.
    sock.shutdown_write();
    {
        std::unique_lock lk(reader.mu);
        if (!reader.cv.wait_for(lk, std::chrono::seconds(30), [&] { return reader.done; })) {
            LOG(app, warning) << "the server did not close within 30 s; resetting";
            sock.abort();
        }
    }
    reader_thread.join();
    const Err close_err = sock.close();
    if (vm["stats"].as<bool>()) std::cerr << "stats: " << st->counters() << "\n";
    st->shutdown();
    int rc = Ok;
    const Err err = reader.error != Err::None ? reader.error : send_err != Err::None ? send_err : close_err;
    if (err == Err::Reset) {
        std::cerr << prog << ": connection to " << server << " reset by the server\n";
        rc = Reset;
    } else if (err == Err::TimedOut) {
        std::cerr << prog << ": connection to " << server << " timed out (the server stopped answering)\n";
        rc = TimedOut;
    } else if (err != Err::None && err != Err::Closed) {
        std::cerr << prog << ": " << stack::to_string(err) << "\n";
        rc = Failed;
    }
    std::lock_guard lk(stack_mu);
    st.reset();
    return rc;
}
