// Raw mode's kernel filter (link/port_filter): the program is run here by a
// small interpreter of the classic BPF instructions it uses, on IPv4+TCP
// packets with and without IP options, so a wrong offset or jump shows. And
// the port table tells its watcher of every change, before reserve returns,
// and keeps a port reserved in the kernel while the stack stops.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "link/port_filter.hpp"
#include "os/ports.hpp"

namespace {

// Classic BPF as the kernel runs it: a load outside the packet ends the
// program with 0 (drop).
std::uint32_t run(const std::vector<sock_filter>& prog, const std::vector<std::uint8_t>& p) {
    std::uint32_t a = 0, x = 0;
    for (std::size_t pc = 0; pc < prog.size(); ++pc) {
        const sock_filter& i = prog[pc];
        switch (i.code) {
        case BPF_LDX | BPF_B | BPF_MSH:
            if (i.k >= p.size()) return 0;
            x = 4u * (p[i.k] & 0xf);
            break;
        case BPF_LD | BPF_H | BPF_IND:
            if (x + i.k + 2 > p.size()) return 0;
            a = std::uint32_t(p[x + i.k]) << 8 | p[x + i.k + 1];
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += a == i.k ? i.jt : i.jf;
            break;
        case BPF_RET | BPF_K:
            return i.k;
        default:
            FAIL("instruction the interpreter does not know: " << i.code);
            return 0;
        }
    }
    FAIL("ran off the end of the program");
    return 0;
}

std::vector<std::uint8_t> segment(std::uint16_t src, std::uint16_t dst, int option_words = 0) {
    std::vector<std::uint8_t> p(20 + 4 * option_words + 20, 0);
    p[0] = static_cast<std::uint8_t>(0x40 | (5 + option_words));
    for (int i = 0; i < 4 * option_words; ++i) p[20 + i] = 1;  // NOPs
    std::uint8_t* t = p.data() + 20 + 4 * option_words;
    t[0] = std::uint8_t(src >> 8), t[1] = std::uint8_t(src);
    t[2] = std::uint8_t(dst >> 8), t[3] = std::uint8_t(dst);
    return p;
}

}  // namespace

TEST_CASE("port filter: only segments to a held port pass, whatever their source") {
    const std::vector<std::uint16_t> held{8080, 50001, 8080};
    const auto prog = l2::tcp_port_filter(held);
    CHECK(prog.size() <= 3 + 2 * 2);  // the repeated port is tested once
    CHECK(run(prog, segment(40000, 8080)) != 0);
    CHECK(run(prog, segment(8080, 50001)) != 0);       // between two of our sockets
    CHECK(run(prog, segment(8080, 40000)) == 0);       // ours looping back on lo
    CHECK(run(prog, segment(40000, 22)) == 0);         // another program's
    CHECK(run(prog, segment(40000, 8080, 3)) != 0);    // IP options move the header
    CHECK(run(prog, segment(8080, 40000, 3)) == 0);
    CHECK(run(prog, {0x45, 0, 0}) == 0);               // too short to hold a port
    CHECK(run(l2::tcp_port_filter({}), segment(1, 8080)) == 0);
}

TEST_CASE("port filter: a thousand ports, every one reachable (no jump too long)") {
    std::vector<std::uint16_t> held;
    for (std::uint16_t p = 20000; p < 20000 + l2::kMaxFilterPorts; ++p) held.push_back(p);
    const auto prog = l2::tcp_port_filter(held);
    CHECK(prog.size() <= 4096);  // BPF_MAXINSNS
    CHECK(run(prog, segment(1, 20000)) != 0);
    CHECK(run(prog, segment(1, 20999)) != 0);
    CHECK(run(prog, segment(1, 21000)) == 0);
    held.push_back(30000);  // beyond the bound: everything passes, the host sorts it out
    CHECK(run(l2::tcp_port_filter(held), segment(1, 5)) != 0);
}

TEST_CASE("PortTable::watch: every change reaches the watcher, before reserve returns") {
    auto table = os::PortTable::create(false, nullptr);
    std::vector<std::vector<std::uint16_t>> seen;
    table->watch([&](std::span<const std::uint16_t> p) { seen.emplace_back(p.begin(), p.end()); });
    REQUIRE(seen.size() == 1);
    CHECK(seen.back().empty());
    auto a = table->reserve(0, 8080);
    REQUIRE(a.value);
    CHECK(seen.back() == std::vector<std::uint16_t>{8080});
    {
        auto b = table->reserve(0, 0);
        REQUIRE(b.value);
        CHECK(seen.back().size() == 2);
    }
    CHECK(seen.back() == std::vector<std::uint16_t>{8080});
    table->watch(nullptr);
    a.value.reset();
    CHECK(seen.back() == std::vector<std::uint16_t>{8080});  // no longer called
}

namespace {

// Whether a kernel TCP socket may bind 127.0.0.1:port now.
bool kernel_port_free(std::uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(0x7f000001);
    sa.sin_port = htons(port);
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    close(fd);
    return ok;
}

}  // namespace

TEST_CASE("PortTable::hold_releases: a port freed while stopping stays reserved until close_held") {
    auto table = os::PortTable::create(true, nullptr);  // kernel reservations, as in raw mode
    auto a = table->reserve(0x7f000001, 0);
    REQUIRE(a.value);
    const std::uint16_t p = a.value->port();
    CHECK_FALSE(kernel_port_free(p));
    table->hold_releases();
    a.value.reset();
    CHECK_FALSE(table->owns(0x7f000001, p));  // no longer ours to answer for...
    CHECK_FALSE(kernel_port_free(p));         // ...but nobody else may take it yet
    table->close_held();
    CHECK(kernel_port_free(p));
    auto b = table->reserve(0x7f000001, 0);  // released after close_held: closed at once
    REQUIRE(b.value);
    const std::uint16_t q = b.value->port();
    b.value.reset();
    CHECK(kernel_port_free(q));
}
