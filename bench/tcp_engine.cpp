// The cost of the TCP engine itself: two tcp::Connections in one thread move
// 256 MiB through fixed buffers (segments built, checksummed, parsed and
// processed as on a wire, no syscalls), next to the Linux kernel moving the
// same bytes over a loopback TCP connection in the same run. Prints MB/s of
// each and the ratio. A benchmark, not a test: numbers vary with the machine.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "base/log.hpp"
#include "tcp/connection.hpp"

namespace {
using namespace tcp;
using Clock = std::chrono::steady_clock;
constexpr std::uint64_t kBytes = 256ull << 20;

struct FixedWire : SegmentSink {
    struct Slot {
        std::array<std::uint8_t, 1600> bytes;
        std::size_t len;
        std::uint32_t src, dst;
    };
    std::vector<Slot> slots = std::vector<Slot>(1024);
    std::size_t head = 0, count = 0;
    void send_segment(const Tuple& t, const Header& h, base::Bytes p1, base::Bytes p2,
                      std::uint16_t) override {
        Slot& s = slots[(head + count) % slots.size()];
        s.len = tcp::build(s.bytes, h, t.local_ip, t.remote_ip, p1, p2);
        s.src = t.local_ip;
        s.dst = t.remote_ip;
        ++count;
    }
};

double ours() {
    FixedWire a_out, b_out;
    const Tuple ta{0x0a000001, 1000, 0x0a000002, 2000}, tb{0x0a000002, 2000, 0x0a000001, 1000};
    Config cfg;
    cfg.mss = 1460;
    cfg.send_buffer = cfg.recv_buffer = 1 << 20;
    Time now{0};
    auto a = Connection::connect(ta, cfg, 1, now, a_out);
    std::unique_ptr<Connection> b;
    std::vector<std::uint8_t> chunk(1 << 16, 0x5a), sink(1 << 16);
    std::uint64_t got = 0;
    auto deliver = [&](FixedWire& w, bool to_b) {
        while (w.count) {
            auto& s = w.slots[w.head];
            w.head = (w.head + 1) % w.slots.size();
            --w.count;
            auto seg = tcp::parse(base::Bytes(s.bytes.data(), s.len), s.src, s.dst, true);
            if (!seg.ok()) continue;
            if (to_b && !b) b = Connection::accept(tb, cfg, 7, seg.value, now, b_out);
            else (to_b ? b.get() : a.get())->on_segment(seg.value, now);
        }
    };
    const auto start = Clock::now();
    while (got < kBytes) {
        now += 50us;  // a virtual clock: the RTT is whatever the loop takes
        deliver(a_out, true);
        deliver(b_out, false);
        for (Connection* c : {a.get(), b.get()})
            if (c)
                if (auto d = c->next_deadline(); d && *d <= now) c->on_timer(now);
        if (b) {
            a->send(chunk, now);
            while (std::size_t n = b->recv(sink, now)) got += n;
        }
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double kernel() {
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (ls < 0 || bind(ls, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(ls, 1) != 0 ||
        getsockname(ls, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
        return -1;
    std::uint64_t got = 0;
    const auto start = Clock::now();
    std::thread rx([&] {
        int c = accept(ls, nullptr, nullptr);
        std::vector<char> buf(1 << 16);
        while (got < kBytes) {
            ssize_t n = read(c, buf.data(), buf.size());
            if (n <= 0) break;
            got += static_cast<std::uint64_t>(n);
        }
        close(c);
    });
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return -1;
    std::vector<char> chunk(1 << 16, 0x5a);
    for (std::uint64_t sent = 0; sent < kBytes;) {
        ssize_t n = write(s, chunk.data(), chunk.size());
        if (n <= 0) break;
        sent += static_cast<std::uint64_t>(n);
    }
    close(s);
    rx.join();
    close(ls);
    return std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

int main() {
    logx::init(logx::Level::warning);
    const double t_ours = ours(), t_kernel = kernel();
    const double mb = static_cast<double>(kBytes) / 1e6;
    std::printf("tcp engine, 256 MiB one way, MSS 1460\n");
    std::printf("  ustack (two connections in memory, one thread): %8.1f MB/s\n", mb / t_ours);
    std::printf("  Linux TCP over loopback (two threads, MTU 64K): %8.1f MB/s\n", mb / t_kernel);
    std::printf("  ratio ustack/kernel: %.2f\n", t_kernel / t_ours);
    return 0;
}
