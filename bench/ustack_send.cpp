// ustack_send: our stack SENDING, for `make bench` (bench/run.sh): an app on
// the blocking socket API (stack/stack.hpp) connects, sends BYTES from one
// buffer in a loop, half-closes and waits for the peer's FIN (a discard
// sink closes once it has read everything), then closes. Prints one line
//
//   send bytes=N secs=S mbps=M
//
// measured from the handshake's end to the peer's FIN.
//
//   sudo build/bench/ustack_send 127.0.0.1 9 500000000                  # raw mode
//   sudo build/bench/ustack_send --link packet --ifname V --addr 10.0.0.2/24 10.0.0.1 9 500000000
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/program.hpp"

namespace {

app::po::options_description options() {
    namespace po = app::po;
    po::options_description desc("Options");
    desc.add_options()
        ("host", po::value<std::string>(), "the sink's address")
        ("port", po::value<unsigned>(), "the sink's port")
        ("bytes", po::value<unsigned long long>(), "how many bytes to send")
        ("chunk", po::value<unsigned>()->default_value(65536), "bytes per send() call")
        ("addr", po::value<std::vector<std::string>>(), "packet/tap: our address A/len on the link (one per --ifname)");
    app::add_stack_options(desc);
    app::add_common_options(desc, "warning");
    return desc;
}

}  // namespace

int main(int argc, char** argv) {
    app::Program prog("ustack_send");
    const auto desc = options();
    app::po::positional_options_description pos;
    pos.add("host", 1).add("port", 1).add("bytes", 1);
    const auto vm = prog.parse(argc, argv, desc, &pos, "[options] HOST PORT BYTES");
    auto opts = prog.stack_options(vm, app::RawAddr::NotTaken);
    if (!vm.count("host") || !vm.count("port") || !vm.count("bytes")) prog.usage_error("needs HOST PORT BYTES");
    const auto host = app::parse_host(vm["host"].as<std::string>());
    if (!host) prog.usage_error("bad address '" + vm["host"].as<std::string>() + "'");
    const unsigned port = vm["port"].as<unsigned>();
    if (port == 0 || port > 65535) prog.usage_error("port must be between 1 and 65535");
    const unsigned long long total = vm["bytes"].as<unsigned long long>();
    const unsigned chunk = vm["chunk"].as<unsigned>();
    if (chunk == 0 || chunk > (1u << 24)) prog.usage_error("--chunk must be between 1 and 16777216");

    stack::Stack& st = prog.open(std::move(opts));
    auto c = st.connect(*host, static_cast<std::uint16_t>(port), stack::Millis(10000));
    if (!c) prog.fail("connect: " + std::string(stack::to_string(c.err)));
    prog.ready();
    stack::Socket sock = std::move(c.value);
    std::vector<std::uint8_t> buf(chunk);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 7 + 3);

    const auto t0 = std::chrono::steady_clock::now();
    for (unsigned long long sent = 0; sent < total;) {
        const std::size_t n = static_cast<std::size_t>(std::min<unsigned long long>(chunk, total - sent));
        if (stack::Err e = sock.send({buf.data(), n}); e != stack::Err::None)
            prog.fail("send: " + std::string(stack::to_string(e)));
        sent += n;
    }
    if (stack::Err e = sock.shutdown_write(); e != stack::Err::None)
        prog.fail("shutdown: " + std::string(stack::to_string(e)));
    for (;;) {  // the sink's FIN: it has read every byte
        auto r = sock.recv(buf);
        if (!r) prog.fail("recv: " + std::string(stack::to_string(r.err)));
        if (r.value == 0) break;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sock.close();
    std::printf("send bytes=%llu secs=%.4f mbps=%.1f\n", total, secs, static_cast<double>(total) * 8 / secs / 1e6);
    std::fflush(stdout);
    prog.close_stack();
    return 0;
}
