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
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "app/program.hpp"

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

app::po::options_description options() {
    namespace po = app::po;
    po::options_description desc("Options");
    desc.add_options()
        ("host", po::value<std::string>()->default_value("127.0.0.1"), "server address")
        ("port", po::value<unsigned>()->default_value(8080), "server port")
        ("connect-timeout", po::value<double>()->default_value(10),
         "seconds to wait for the handshake (0: as long as TCP's SYN retries last, about 2 minutes)")
        ("addr", po::value<std::vector<std::string>>(), "packet/tap: our address A/len on the link (one per --ifname)");
    app::add_stack_options(desc);
    app::add_common_options(desc, "warning");
    return desc;
}

// The one line for a connect that failed, and its exit code.
[[noreturn]] void connect_failed(app::Program& prog, Err err, const std::string& server,
                                 const std::string& host, double timeout_s) {
    std::ostringstream why;
    switch (err) {
        case Err::Refused: why << "connection to " << server << " refused (nothing listens there)"; prog.fail(why.str(), Refused);
        case Err::TimedOut: why << "connection to " << server << " timed out (no answer in " << timeout_s << " s)"; prog.fail(why.str(), TimedOut);
        case Err::Reset: prog.fail("connection to " + server + " reset by the server", Reset);
        case Err::Unreachable: prog.fail(host + " is unreachable (no route to it)", Unreachable);
        default: prog.fail("connecting to " + server + " failed: " + std::string(stack::to_string(err)), Failed);
    }
}

// Sends each line of standard input; on a terminal waits for the reply
// before the next prompt. Returns the first send error.
Err send_lines(stack::Socket& sock, Reader& reader, bool interactive) {
    std::string line;
    for (;;) {
        if (interactive) std::cout << "Enter message to send (or 'exit' to quit): " << std::flush;
        if (!std::getline(std::cin, line) || line == "exit") return Err::None;
        std::size_t seen;
        {
            std::lock_guard lk(reader.mu);
            seen = reader.lines;
        }
        line += '\n';
        if (Err e = sock.send({reinterpret_cast<const std::uint8_t*>(line.data()), line.size()}); e != Err::None)
            return e;
        if (interactive) {  // let the reply print before the next prompt
            std::unique_lock lk(reader.mu);
            reader.cv.wait_for(lk, std::chrono::seconds(5), [&] { return reader.lines > seen || reader.done; });
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    app::Program prog("client");  // first: before any thread exists
    const auto desc = options();
    app::po::positional_options_description pos;
    pos.add("host", 1).add("port", 1);
    const auto vm = prog.parse(argc, argv, desc, &pos, "[options] [HOST [PORT]]");
    auto opts = prog.stack_options(vm, app::RawAddr::NotTaken);

    const std::string host_text = vm["host"].as<std::string>();
    const auto host = app::parse_host(host_text);
    if (!host) prog.usage_error("bad address '" + host_text + "' (use a dotted quad like 127.0.0.1, or localhost)");
    const unsigned port = vm["port"].as<unsigned>();
    if (port == 0 || port > 65535) prog.usage_error("port must be between 1 and 65535");
    const double timeout_s = vm["connect-timeout"].as<double>();
    if (!(timeout_s >= 0 && timeout_s <= 3600))
        prog.usage_error("--connect-timeout must be between 0 and 3600 seconds");
    const std::string server = host_text + ":" + std::to_string(port);

    stack::Stack& st = prog.open(std::move(opts));
    // 0: no deadline of our own; the SYN retries (RFC 6298 backoff) decide.
    const stack::Millis timeout = timeout_s > 0 ? stack::Millis(static_cast<long>(timeout_s * 1000))
                                                : stack::Millis(0);
    auto c = st.connect(*host, static_cast<std::uint16_t>(port), timeout);
    if (!c) connect_failed(prog, c.err, server, host_text, timeout_s);
    prog.ready();
    stack::Socket sock = std::move(c.value);
    LOG(app, info) << "connected " << sock.local() << " -> " << sock.peer();

    const bool interactive = isatty(STDIN_FILENO);
    Reader reader(sock, interactive);
    std::thread reader_thread([&] { reader.run(); });
    const Err send_err = send_lines(sock, reader, interactive);

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
    if (vm["stats"].as<bool>()) std::cerr << "stats: " << st.counters() << "\n";
    st.shutdown();
    const Err err = reader.error != Err::None ? reader.error : send_err != Err::None ? send_err : close_err;
    if (err == Err::Reset) prog.fail("connection to " + server + " reset by the server", Reset);
    if (err == Err::TimedOut) prog.fail("connection to " + server + " timed out (the server stopped answering)", TimedOut);
    if (err != Err::None && err != Err::Closed) prog.fail(std::string(stack::to_string(err)), Failed);
    prog.close_stack();
    return Ok;
}
