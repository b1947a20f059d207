// Two stacks as whole hosts on one Ethernet segment (a socketpair carrying
// frames, MTU 1500), in one process: ARP between them, TCP, UDP with port
// unreachable, ping sockets with fragmented echoes, the in-stack loopback,
// and routing errors. The integration tests do the same against the kernel.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "echo_server.hpp"
#include "pair_device.hpp"
#include "stack/stack.hpp"

namespace {

constexpr std::uint32_t kA = 0x0a000001;  // 10.0.0.1
constexpr std::uint32_t kB = 0x0a000002;  // 10.0.0.2

stack::InterfaceOptions iface(std::unique_ptr<l2::Device> dev, std::uint32_t addr, std::uint8_t last) {
    stack::InterfaceOptions io;
    io.device = std::move(dev);
    io.addr = {addr, 24};
    io.mac = l2::MacAddr{{0x02, 0, 0, 0, 0, last}};
    return io;
}

struct Segment {
    std::unique_ptr<stack::Stack> a, b;
    Segment() {
        auto [da, db] = testdev::make_pair(l2::Framing::Ethernet, 1514);
        REQUIRE(da);
        stack::StackOptions oa, ob;
        oa.link = ob.link = "test";
        oa.interfaces.push_back(iface(std::move(da), kA, 1));
        ob.interfaces.push_back(iface(std::move(db), kB, 2));
        oa.tcp.msl = ob.tcp.msl = std::chrono::milliseconds(50);
        a = stack::Stack::open(std::move(oa));
        b = stack::Stack::open(std::move(ob));
    }
};

base::Bytes text(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

TEST_CASE("host mode: ARP resolves the first SYN's next hop; TCP echo over Ethernet; MSS from the MTU") {
    Segment n;
    auto l = n.b->listen(0, 7);
    REQUIRE(l);
    std::thread server([&] { testdev::echo_once(l.value); });
    auto c = n.a->connect(kB, 7, stack::Millis(5000));
    REQUIRE(c);
    CHECK(c.value.local() .rfind("10.0.0.1:", 0) == 0);
    std::vector<std::uint8_t> data(20000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 13);
    REQUIRE(c.value.send(data) == stack::Err::None);
    c.value.shutdown_write();
    std::vector<std::uint8_t> got, buf(4096);
    for (;;) {
        auto r = c.value.recv(buf);
        REQUIRE(r);
        if (r.value == 0) break;
        got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.value));
    }
    CHECK(got == data);
    c.value.close();
    server.join();
    const auto ca = n.a->counters();
    CHECK(ca.arp_in >= 1);       // the reply to our request
    CHECK(ca.fragments_out == 0);  // TCP is sized by MSS, never fragmented
    CHECK(ca.malformed_total() == 0);
}

TEST_CASE("host mode: UDP echo, then RFC 1122 4.1.3.1 port unreachable comes back as Refused") {
    Segment n;
    auto sb = n.b->udp_open(0, 7);
    REQUIRE(sb);
    auto sa = n.a->udp_open(0, 0);
    REQUIRE(sa);
    CHECK(sa.value.local_port() >= 49152);
    REQUIRE(sa.value.send_to(kB, 7, text("datagram")) == stack::Err::None);
    std::vector<std::uint8_t> buf(65536);
    auto r = sb.value.recv_from(buf, stack::Millis(3000));
    REQUIRE(r);
    CHECK(r.value.addr == kA);
    CHECK(r.value.port == sa.value.local_port());
    CHECK(std::string(buf.begin(), buf.begin() + 8) == "datagram");
    // 3000 bytes: fragmented on the way (MTU 1500), reassembled at B.
    std::vector<std::uint8_t> big(3000, 0x5a);
    REQUIRE(sb.value.send_to(kA, sa.value.local_port(), big) == stack::Err::None);
    auto back = sa.value.recv_from(buf, stack::Millis(3000));
    REQUIRE(back);
    CHECK(back.value.length == 3000);
    CHECK(n.b->counters().fragments_out == 3);
    CHECK(n.a->counters().reassembled == 1);

    REQUIRE(sa.value.send_to(kB, 9, text("anyone?")) == stack::Err::None);
    auto err = sa.value.recv_from(buf, stack::Millis(3000));
    CHECK(err.err == stack::Err::Refused);
    CHECK(err.value.addr == kB);
    CHECK(err.value.port == 9);
    CHECK(n.b->counters().udp_no_port == 1);

    auto none = sa.value.recv_from(buf, stack::Millis(50));
    CHECK(none.err == stack::Err::TimedOut);
}

TEST_CASE("host mode: ping socket; a 4000-byte echo goes and comes back in fragments") {
    Segment n;
    auto p = n.a->ping_open();
    REQUIRE(p);
    std::vector<std::uint8_t> payload(4000, 0x11), buf(65536);
    REQUIRE(p.value.send_to(kB, 1, payload) == stack::Err::None);
    auto r = p.value.recv_from(buf, stack::Millis(3000));
    REQUIRE(r);
    CHECK(r.value.addr == kB);
    CHECK(r.value.port == 1);  // the sequence number
    CHECK(r.value.length == 4000);
    CHECK(r.value.ttl == 64);
    CHECK(n.b->counters().echo_replies == 1);
    CHECK(n.b->counters().reassembled == 1);
}

TEST_CASE("host mode: 127.0.0.1 is the in-stack loopback (TCP and ping)") {
    Segment n;
    auto l = n.a->listen(0, 80);
    REQUIRE(l);
    std::thread server([&] {
        auto s = l.value.accept();
        REQUIRE(s);
        s.value.send(text("hi from lo"));
        s.value.close();
    });
    auto c = n.a->connect(0x7f000001, 80, stack::Millis(3000));
    REQUIRE(c);
    CHECK(c.value.local().rfind("127.0.0.1:", 0) == 0);
    std::vector<std::uint8_t> buf(100);
    auto r = c.value.recv(buf);
    REQUIRE(r);
    CHECK(std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.value)) == "hi from lo");
    c.value.close();
    server.join();
    auto p = n.a->ping_open();
    REQUIRE(p);
    REQUIRE(p.value.send_to(0x7f000001, 5, text("x")) == stack::Err::None);
    auto e = p.value.recv_from(buf, stack::Millis(3000));
    REQUIRE(e);
    CHECK(e.value.addr == 0x7f000001);
    CHECK(n.b->counters().icmp_in == 0);  // nothing went on the wire
}

TEST_CASE("host mode: no route is Unreachable at once; a closed TCP port is refused (RFC 9293 3.10.7.1)") {
    Segment n;
    CHECK(!n.a->source_for(0x0b000001));
    auto c = n.a->connect(0x0b000001, 80, stack::Millis(3000));  // 11.0.0.1: no gateway
    CHECK(c.err == stack::Err::Unreachable);
    auto r = n.a->connect(kB, 81, stack::Millis(3000));
    CHECK(r.err == stack::Err::Refused);
    CHECK(n.b->counters().resets_sent == 1);
}
