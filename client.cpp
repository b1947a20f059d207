// client: a TCP (or UDP) conversation over our own stack, in the shape of
// nc(1).
//
//   sudo ./client                                  # 127.0.0.1 8080, interactive prompt
//   sudo ./client 127.0.0.1 8080 <file >copy       # byte-exact both ways
//   sudo ./client -l 9000 >got                     # wait for one connection, like nc -l
//   sudo ./client --link packet ... -u 10.0.0.1 7  # UDP: each read of stdin one datagram
//
// When standard input is not a terminal the bytes go through untouched, in
// chunks of 64 KiB: at the end of input we half-close (FIN, RFC 9293
// 3.10.4) and exit once the peer has closed and every byte it sent is on
// standard output; a peer that closes first ends the run too. On a terminal
// it prompts, sends each line, prints "Server response: ..." and says at
// once when the server closes or resets. A reader thread takes the peer's
// bytes as they come, so daytime (which talks first) and discard (which
// never answers) work in both modes.
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
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

// Exit codes: 0 and 1 as nc's, and one per connect failure a script may want
// to tell apart.
enum Exit { Ok = 0, Failed = 1, Usage = 2, Refused = 3, TimedOut = 4, Reset = 5, Unreachable = 6 };

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxDatagram = 65507;  // 65535 - IPv4 header - UDP header

struct Settings {
    std::string host_text;
    std::uint32_t host = 0;
    unsigned port = 0;
    double timeout_s = 10;
    bool listen = false;  // -l PORT: wait for one connection
    bool udp = false;
    bool interactive = false;  // standard input is a terminal
};

// Every byte, or false (standard output closed, disk full...).
bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// Lets the reader thread end the main thread's wait on standard input.
class Wake {
public:
    Wake() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
    ~Wake() { ::close(fd_); }
    Wake(const Wake&) = delete;
    Wake& operator=(const Wake&) = delete;
    void signal() {
        const std::uint64_t one = 1;
        (void)!::write(fd_, &one, sizeof one);
    }
    int fd() const { return fd_; }

private:
    int fd_;
};

// Waits until standard input is readable (true) or the reader has woken us
// (false).
bool wait_input(const Wake& wake) {
    for (;;) {
        pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {wake.fd(), POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (p[1].revents) return false;
        if (p[0].revents) return true;
    }
}

// Takes the peer's bytes as they arrive: raw to standard output, or on a
// terminal line by line after "Server response: ".
struct Reader {
    Reader(stack::Socket& s, bool i, Wake& w) : sock(s), interactive(i), wake(w) {}
    stack::Socket& sock;
    bool interactive;
    Wake& wake;
    std::mutex mu;
    std::condition_variable cv;
    std::size_t lines = 0;
    bool at_prompt = false;  // the cursor is after the prompt, not at a line's start
    bool done = false;
    bool out_failed = false;  // standard output would not take our bytes
    int out_errno = 0;
    Err error = Err::None;

    void print(std::string line) {
        if (!line.empty() && line.back() == '\r') line.pop_back();  // a terminal shows the line
        std::lock_guard lk(mu);
        std::cout << (at_prompt ? "\n" : "") << "Server response: " << line << std::endl;
        at_prompt = false;
        ++lines;
        cv.notify_all();
    }

    void run() {
        std::vector<std::uint8_t> buf(kChunk);
        std::string pending;
        Err err = Err::None;
        bool out_ok = true;
        for (;;) {
            auto r = sock.recv(buf);
            if (!r) { err = r.err; break; }
            if (r.value == 0) break;
            if (!interactive) {
                if (!(out_ok = write_all(STDOUT_FILENO, buf.data(), r.value))) {
                    std::lock_guard lk(mu);
                    out_errno = errno;
                    break;
                }
                continue;
            }
            pending.append(reinterpret_cast<const char*>(buf.data()), r.value);
            std::size_t start = 0, nl;
            while ((nl = pending.find('\n', start)) != std::string::npos) {
                print(pending.substr(start, nl - start));
                start = nl + 1;
            }
            pending.erase(0, start);
        }
        if (!pending.empty()) print(pending);
        // On a terminal the person learns it now, not at the next line typed.
        {
            std::lock_guard lk(mu);
            if (interactive && err == Err::None)
                std::cout << (at_prompt ? "\n" : "") << "server closed the connection" << std::endl;
            done = true;
            error = err;
            out_failed = !out_ok;
            cv.notify_all();
        }
        wake.signal();
    }
};

// Terminal: one line at a time, each answered before the next prompt;
// `exit` ends. Returns the first send error.
Err send_lines(stack::Socket& sock, Reader& reader, const Wake& wake) {
    std::vector<char> buf(kChunk);
    std::string typed;
    for (;;) {
        {
            std::lock_guard lk(reader.mu);
            std::cout << "Enter message to send (or 'exit' to quit): " << std::flush;
            reader.at_prompt = true;
        }
        std::size_t nl;
        while ((nl = typed.find('\n')) == std::string::npos) {
            if (!wait_input(wake)) return Err::None;  // the server closed
            const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {  // Ctrl-D: what was typed goes as the last line
                if (typed.empty()) return Err::None;
                typed += '\n';
                break;
            }
            typed.append(buf.data(), static_cast<std::size_t>(n));
        }
        nl = typed.find('\n');
        {
            std::lock_guard lk(reader.mu);  // the terminal echoed the Enter
            reader.at_prompt = false;
        }
        const std::string line = typed.substr(0, nl + 1);
        typed.erase(0, nl + 1);
        if (line == "exit\n" || line == "exit\r\n") return Err::None;
        std::size_t seen;
        {
            std::lock_guard lk(reader.mu);
            seen = reader.lines;
        }
        if (Err e = sock.send({reinterpret_cast<const std::uint8_t*>(line.data()), line.size()}); e != Err::None)
            return e;
        std::unique_lock lk(reader.mu);  // let the reply print before the next prompt
        reader.cv.wait_for(lk, std::chrono::seconds(5), [&] { return reader.lines > seen || reader.done; });
        if (reader.done) return Err::None;
    }
}

// Not a terminal: every byte as read, in chunks of up to 64 KiB, until
// the end of input or the peer's close. Returns the first send error.
Err send_bytes(stack::Socket& sock, const Wake& wake) {
    std::vector<std::uint8_t> buf(kChunk);
    for (;;) {
        if (!wait_input(wake)) return Err::None;
        const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Err::None;
        if (Err e = sock.send({buf.data(), static_cast<std::size_t>(n)}); e != Err::None) return e;
    }
}

app::po::options_description options() {
    namespace po = app::po;
    po::options_description desc("Options");
    desc.add_options()
        ("host", po::value<std::string>()->default_value("127.0.0.1"),
         "server address: a dotted quad or a host name (getaddrinfo, IPv4)")
        ("port", po::value<unsigned>()->default_value(8080), "server port")
        ("listen,l", po::value<unsigned>()->value_name("PORT"),
         "wait for one connection on PORT (any local address), then talk as with a server")
        ("udp,u", po::bool_switch(),
         "UDP (packet/tap mode): each read of standard input is one datagram; replies are "
         "printed until 1 s after the end of input")
        ("connect-timeout", po::value<double>()->default_value(10),
         "seconds to wait for the handshake (0: as long as TCP's SYN retries last, about 2 minutes)")
        ("addr", po::value<std::vector<std::string>>(), "packet/tap: our address A/len on the link (one per --ifname)");
    app::add_stack_options(desc);
    app::add_common_options(desc, "warning");
    return desc;
}

Settings settings(const app::Program& prog, const app::po::variables_map& vm, const std::string& link) {
    Settings s;
    s.udp = vm["udp"].as<bool>();
    if (s.udp && link == "raw")
        prog.usage_error("-u needs --link packet or tap (in raw mode the kernel owns UDP)");
    s.listen = vm.count("listen") > 0;
    s.port = s.listen ? vm["listen"].as<unsigned>() : vm["port"].as<unsigned>();
    if (s.port == 0 || s.port > 65535) prog.usage_error("port must be between 1 and 65535");
    if (s.listen && s.udp) prog.usage_error("-l and -u together are not supported (-l listens for TCP)");
    if (s.listen && app::given(vm, "host")) prog.usage_error("-l PORT takes no HOST (it waits for anyone)");
    s.timeout_s = vm["connect-timeout"].as<double>();
    if (!(s.timeout_s >= 0 && s.timeout_s <= 3600))
        prog.usage_error("--connect-timeout must be between 0 and 3600 seconds");
    s.interactive = isatty(STDIN_FILENO);
    s.host_text = vm["host"].as<std::string>();
    return s;
}

// Err::Shutdown: Ctrl-C or `kill` shut the stack down, and the signal
// thread is about to exit with 128 + signo; a line of ours would only race it.
[[noreturn]] void await_signal_exit() {
    for (;;) ::pause();
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

// -l: the first connection to PORT; the listener closes behind it.
stack::Socket accept_one(app::Program& prog, stack::Stack& st, unsigned port) {
    auto l = st.listen(0, static_cast<std::uint16_t>(port), 1);
    if (!l) {
        if (l.err == Err::AddrInUse) prog.fail("port " + std::to_string(port) + " is already in use");
        prog.fail("cannot listen on port " + std::to_string(port) + ": " + std::string(stack::to_string(l.err)));
    }
    prog.ready();
    LOG(app, info) << "listening on 0.0.0.0:" << port;
    auto a = l.value.accept();
    if (!a && a.err == Err::Shutdown) await_signal_exit();
    if (!a) prog.fail("accept failed: " + std::string(stack::to_string(a.err)));
    l.value.close();
    return std::move(a.value);
}

// The TCP conversation; returns the exit code.
int talk(app::Program& prog, stack::Stack& st, stack::Socket sock, const Settings& s,
         const std::string& server) {
    LOG(app, info) << "connected " << sock.local() << " -> " << sock.peer();
    Wake wake;
    Reader reader(sock, s.interactive, wake);
    std::thread reader_thread([&] { reader.run(); });
    const Err send_err = s.interactive ? send_lines(sock, reader, wake) : send_bytes(sock, wake);

    // Half-close, then let the peer finish and send its FIN.
    sock.shutdown_write();
    {
        std::unique_lock lk(reader.mu);
        if (s.interactive) {
            if (!reader.cv.wait_for(lk, std::chrono::seconds(30), [&] { return reader.done; })) {
                LOG(app, warning) << "the server did not close within 30 s; resetting";
                sock.abort();
            }
        } else {
            reader.cv.wait(lk, [&] { return reader.done; });  // as nc -N: as long as it takes
        }
        if (reader.out_failed) sock.abort();
    }
    reader_thread.join();
    if (reader.error == Err::Shutdown || send_err == Err::Shutdown) await_signal_exit();
    const Err close_err = reader.out_failed ? Err::None : sock.close();
    prog.print_stats();  // --stats
    st.shutdown();
    if (reader.out_failed) prog.fail(std::string("cannot write to standard output: ") + std::strerror(reader.out_errno), Failed);
    const Err err = reader.error != Err::None ? reader.error : send_err != Err::None ? send_err : close_err;
    if (err == Err::Reset) prog.fail("connection to " + server + " reset by the " + (s.listen ? "peer" : "server"), Reset);
    if (err == Err::TimedOut) prog.fail("connection to " + server + " timed out (the " + (s.listen ? "peer" : "server") + " stopped answering)", TimedOut);
    if (err != Err::None && err != Err::Closed) prog.fail(std::string(stack::to_string(err)), Failed);
    return Ok;
}

// -u: each read of standard input one datagram to HOST:PORT; what comes
// back is printed until 1 s after the end of input. Returns the exit code.
int talk_udp(app::Program& prog, stack::Stack& st, const Settings& s, const std::string& server) {
    auto u = st.udp_open(0, 0);
    if (!u) prog.fail("cannot open a UDP socket: " + std::string(stack::to_string(u.err)));
    prog.ready();
    stack::DatagramSocket sock = std::move(u.value);
    Wake wake;
    std::atomic<bool> input_done{false};
    std::atomic<int> outcome{Ok};
    std::thread reader([&] {
        std::vector<std::uint8_t> buf(65536);
        auto quiet_since = std::chrono::steady_clock::now();
        bool counting = false;
        for (;;) {
            auto r = sock.recv_from(buf, stack::Millis(100));
            const auto now = std::chrono::steady_clock::now();
            if (r.err == Err::TimedOut) {
                if (!input_done) continue;
                if (!counting) quiet_since = now, counting = true;
                if (now - quiet_since >= std::chrono::seconds(1)) break;
                continue;
            }
            // RFC 1122 4.1.3.3: an ICMP port unreachable comes back as Refused.
            if (r.err == Err::Refused) { outcome = Refused; break; }
            if (r.err == Err::Shutdown) { outcome = -1; break; }
            if (r.err != Err::None) { outcome = r.err == Err::Unreachable ? Unreachable : Failed; break; }
            if (r.value.addr != s.host || r.value.port != s.port) continue;  // not our peer
            quiet_since = now;
            if (!write_all(STDOUT_FILENO, buf.data(), r.value.length)) { outcome = Failed; break; }
        }
        wake.signal();
    });
    std::vector<std::uint8_t> buf(kMaxDatagram);
    Err send_err = Err::None;
    while (send_err == Err::None && wait_input(wake)) {
        const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        send_err = sock.send_to(s.host, static_cast<std::uint16_t>(s.port), {buf.data(), static_cast<std::size_t>(n)});
    }
    input_done = true;  // the reader stops after 1 s without a reply
    reader.join();
    if (outcome == -1 || send_err == Err::Shutdown) await_signal_exit();
    st.shutdown();
    if (send_err == Err::Unreachable || outcome == Unreachable) prog.fail(s.host_text + " is unreachable (no route to it)", Unreachable);
    if (send_err != Err::None) prog.fail("sending to " + server + " failed: " + std::string(stack::to_string(send_err)));
    if (outcome == Refused) prog.fail("datagram to " + server + " refused (port unreachable: nothing listens there)", Refused);
    if (outcome != Ok) prog.fail("receiving from " + server + " failed", outcome);
    return Ok;
}

}  // namespace

int main(int argc, char** argv) {
    app::Program prog("client");  // first: before any thread exists
    // A closed standard output is an error we report, not a signal that
    // kills us with the firewall table still installed.
    ::signal(SIGPIPE, SIG_IGN);
    const auto desc = options();
    app::po::positional_options_description pos;
    pos.add("host", 1).add("port", 1);
    const auto vm = prog.parse(argc, argv, desc, &pos, "[options] [HOST [PORT]] | -l PORT");
    auto opts = prog.stack_options(vm, app::RawAddr::NotTaken);
    Settings s = settings(prog, vm, opts.link);
    if (!s.listen) {
        const auto r = app::resolve_host(s.host_text);
        if (!r.error.empty()) {
            if (r.usage) prog.usage_error(r.error);
            prog.fail(r.error, Failed);
        }
        s.host = r.addr;
    }
    const std::string server = s.host_text + ":" + std::to_string(s.port);

    stack::Stack& st = prog.open(std::move(opts));
    if (s.udp) {
        const int rc = talk_udp(prog, st, s, server);
        prog.close_stack();
        return rc;
    }
    stack::Socket sock;
    if (s.listen) {
        sock = accept_one(prog, st, s.port);
    } else {
        // 0: no deadline of our own; the SYN retries (RFC 6298 backoff) decide.
        const stack::Millis timeout = s.timeout_s > 0 ? stack::Millis(static_cast<long>(s.timeout_s * 1000))
                                                      : stack::Millis(0);
        auto c = st.connect(s.host, static_cast<std::uint16_t>(s.port), timeout);
        if (!c && c.err == Err::Shutdown) await_signal_exit();
        if (!c) connect_failed(prog, c.err, server, s.host_text, s.timeout_s);
        prog.ready();
        sock = std::move(c.value);
    }
    const std::string peer = s.listen ? sock.peer() : server;
    const int rc = talk(prog, st, std::move(sock), s, peer);
    prog.close_stack();
    return rc;
}
