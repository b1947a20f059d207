// The device wrappers: the fault device (drop-nth, delay, draining on
// exit), the pcap device (every packet, the receive filter, the link type),
// and the whole chain under two real stacks: the trace shows the states in
// order, the lost segment and its retransmission; a delayed packet wakes
// the loop without spinning. And raw mode's receive filter (own ports only).
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "ip/ipv4.hpp"
#include "link/fault_device.hpp"
#include "link/pcap_device.hpp"
#include "echo_server.hpp"
#include "os/ports.hpp"
#include "pair_device.hpp"
#include "stack/stack.hpp"
#include "stack/watch.hpp"
#include "tcp/segment.hpp"

namespace {

using namespace std::chrono_literals;

// Records what it is asked to send; hands out queued packets to receive().
struct FakeDevice final : l2::Device {
    std::shared_ptr<std::vector<std::vector<std::uint8_t>>> sent =
        std::make_shared<std::vector<std::vector<std::uint8_t>>>();
    std::vector<std::vector<std::uint8_t>> inbox;
    l2::Framing framing_ = l2::Framing::Ipv4;

    std::string_view name() const override { return "fake"; }
    l2::Framing framing() const override { return framing_; }
    int fd() const override { return -1; }
    std::size_t mtu() const override { return 1500; }
    std::optional<l2::Received> receive(base::MutBytes buf) override {
        if (inbox.empty()) return std::nullopt;
        auto p = std::move(inbox.front());
        inbox.erase(inbox.begin());
        std::copy(p.begin(), p.end(), buf.begin());
        return l2::Received{p.size(), false};
    }
    int send(base::Bytes p) override {
        sent->emplace_back(p.begin(), p.end());
        return 0;
    }
};

std::vector<std::uint8_t> packet(std::uint8_t tag) { return {0x45, tag, 0, 20}; }

// The records of a classic pcap file: their captured lengths, after
// checking the file header's magic and link type.
std::vector<std::uint32_t> pcap_records(const std::string& path, std::uint32_t linktype) {
    std::ifstream f(path, std::ios::binary);
    std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(f)), {});
    auto le32 = [&](std::size_t at) {
        return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 |
               std::uint32_t{b[at + 2]} << 16 | std::uint32_t{b[at + 3]} << 24;
    };
    REQUIRE(b.size() >= 24);
    CHECK(le32(0) == 0xa1b2c3d4);
    CHECK(le32(20) == linktype);
    std::vector<std::uint32_t> lens;
    for (std::size_t at = 24; at + 16 <= b.size();) {
        const auto len = le32(at + 8);
        lens.push_back(len);
        at += 16 + len;
    }
    return lens;
}

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

TEST_CASE("fault device: --drop-nth loses exactly those packets we send, and says so") {
    auto inner = std::make_unique<FakeDevice>();
    auto sent = inner->sent;
    l2::FaultConfig cfg;
    cfg.drop_nth = {2, 4};
    l2::FaultDevice dev(std::move(inner), cfg);
    for (std::uint8_t i = 1; i <= 5; ++i) {
        CHECK(dev.send(packet(i)) == 0);  // to TCP a lost packet was sent
        CHECK(dev.last_fate().lost == (i == 2 || i == 4));
    }
    REQUIRE(sent->size() == 3);
    CHECK((*sent)[0][1] == 1);
    CHECK((*sent)[1][1] == 3);
    CHECK((*sent)[2][1] == 5);
    CHECK_FALSE(dev.next_deadline());
}

TEST_CASE("fault device: --delay holds packets until on_deadline(), and drains them on exit") {
    auto inner = std::make_unique<FakeDevice>();
    auto sent = inner->sent;
    l2::FaultConfig cfg;
    cfg.delay = 20ms;
    {
        l2::FaultDevice dev(std::move(inner), cfg);
        const auto t0 = l2::FaultDevice::now();
        dev.send(packet(1));
        CHECK(dev.last_fate().held);
        CHECK(sent->empty());
        REQUIRE(dev.next_deadline());
        CHECK(*dev.next_deadline() >= t0 + 20ms);
        CHECK(*dev.next_deadline() <= l2::FaultDevice::now() + 20ms);
        dev.on_deadline(t0 + 5ms);  // too early: nothing
        CHECK(sent->empty());
        dev.on_deadline(*dev.next_deadline());
        CHECK(sent->size() == 1);
        CHECK_FALSE(dev.next_deadline());
        dev.send(packet(2));  // still held when the device goes
    }
    CHECK(sent->size() == 2);  // the last ACK of a close is not lost on exit
}

TEST_CASE("pcap device: every packet sent and kept by the filter, with the device's link type") {
    char path[] = "/tmp/ustk-test-pcap-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    {
        auto inner = std::make_unique<FakeDevice>();
        inner->inbox = {packet(1), packet(2), packet(3)};
        l2::PcapDevice dev(std::move(inner), path);
        // Raw mode keeps only what is ours: here, packets tagged odd.
        dev.set_receive_filter([](base::Bytes p) { return p[1] % 2 == 1; });
        std::vector<std::uint8_t> buf(100);
        int n = 0;
        while (dev.receive(buf)) ++n;
        CHECK(n == 3);  // the filter decides what is recorded, not what is received
        dev.send(std::vector<std::uint8_t>(60, 0x45));
        CHECK(dev.written() == 3);
        // Readable before the device is closed: flushed per packet.
        CHECK(pcap_records(path, 228) == std::vector<std::uint32_t>{4, 4, 60});
    }
    {
        auto inner = std::make_unique<FakeDevice>();
        inner->framing_ = l2::Framing::Ethernet;
        l2::PcapDevice dev(std::move(inner), path);
        dev.send(std::vector<std::uint8_t>(64, 0xff));
        CHECK(pcap_records(path, 1) == std::vector<std::uint32_t>{64});
    }
    std::remove(path);
    CHECK_THROWS_AS(l2::PcapDevice(std::make_unique<FakeDevice>(), "/nonexistent/dir/x.pcap"),
                    l2::DeviceError);
}

TEST_CASE("watch: the trace of a connection with a lost segment and a delay, under two stacks") {
    auto [da, db] = testdev::make_pair();
    REQUIRE(da);
    std::ostringstream trace;
    stack::StackOptions oa, ob;
    oa.device = std::move(da);
    oa.address = 0x0a000001;
    ob.device = std::move(db);
    ob.address = 0x0a000002;
    oa.tcp.msl = ob.tcp.msl = 50ms;
    oa.watch.trace = true;
    oa.watch.diagram = true;
    oa.watch.out = &trace;
    oa.watch.faults.drop_nth = {3};  // SYN, ACK, then the first data segment
    oa.watch.faults.delay = 150ms;   // every packet of A held: the loop must wake for it
    auto a = stack::Stack::open(std::move(oa));
    auto b = stack::Stack::open(std::move(ob));

    auto l = b->listen(0, 7000);
    REQUIRE(l);
    std::thread server([&] { testdev::echo_once(l.value); });

    const double cpu0 = cpu_seconds();
    auto c = a->connect(0x0a000002, 7000, 5000ms);  // the SYN waits 150 ms in the injector
    REQUIRE(c);
    // Sleeping in epoll, not spinning, while the SYN was held.
    CHECK(cpu_seconds() - cpu0 < 0.1);
    const std::string msg = "hello";
    REQUIRE(c.value.send({reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()}) ==
            stack::Err::None);
    std::vector<std::uint8_t> buf(64);
    auto r = c.value.recv(buf);  // after the RTO resends the lost segment
    REQUIRE(r);
    CHECK(std::string(buf.begin(), buf.begin() + static_cast<long>(r.value)) == "hello");
    CHECK(c.value.close() == stack::Err::None);
    server.join();
    a.reset();  // draws the diagram of the connection in TIME-WAIT
    b.reset();

    const std::string out = trace.str();
    CAPTURE(out);
    std::size_t at = 0;
    for (const char* want : {"CLOSED -> SYN-SENT", "--> 10.0.0.2:7000", "[SYN] Seq=0 (ISN",
                             "SYN-SENT -> ESTABLISHED", "Len=5", "LOST (fault injector)",
                             "RTO fired", "[TCP Retransmission]", "Len=5",
                             "FIN-WAIT-2 -> TIME-WAIT", "10.0.0.1:", "len=5 --", "x"}) {
        const auto next = out.find(want, at);
        CHECK_MESSAGE(next != std::string::npos, "missing, in order: " << want);
        if (next != std::string::npos) at = next;
    }
}

TEST_CASE("raw mode: the receive filter keeps segments to our ports, and what it cannot read") {
    constexpr std::uint32_t kUs = 0x0a000001, kPeer = 0x0a000002;
    auto ports = os::PortTable::create(/*kernel_reserves=*/false, nullptr);
    auto lease = ports->reserve(kUs, 8080);
    REQUIRE(lease);
    const l2::ReceiveFilter keep = stack::own_ports_filter(ports);
    auto segment_to = [&](std::uint32_t dst, std::uint16_t port, std::uint8_t protocol) {
        std::vector<std::uint8_t> p(ip::kIpv4HeaderLen + 20);
        tcp::Header h;
        h.src_port = 40000;
        h.dst_port = port;
        h.flags = tcp::flag::SYN;
        REQUIRE(tcp::build(base::MutBytes(p).subspan(ip::kIpv4HeaderLen), h, kPeer, dst, {}, {}) ==
                20);
        ip::Ipv4Header iph;
        iph.total_length = static_cast<std::uint16_t>(p.size());
        iph.protocol = protocol;
        iph.src = kPeer;
        iph.dst = dst;
        ip::build_ipv4_header(p, iph);
        return p;
    };
    CHECK(keep(segment_to(kUs, 8080, ip::kProtoTcp)));
    CHECK_FALSE(keep(segment_to(kUs, 8081, ip::kProtoTcp)));     // the kernel's
    CHECK_FALSE(keep(segment_to(kPeer, 8080, ip::kProtoTcp)));   // another address
    CHECK(keep(segment_to(kUs, 8081, ip::kProtoUdp)));           // not TCP: the trace says so
    const auto ours = segment_to(kUs, 8080, ip::kProtoTcp);
    CHECK(keep(base::Bytes(ours).first(ip::kIpv4HeaderLen + 4)));  // cut short: kept
    CHECK(keep(base::Bytes(ours).first(10)));
}

namespace {
// Counts what the batching calls of a device reach it.
struct BatchingDevice final : l2::Device {
    int* flushes;
    std::vector<std::uint16_t>* ports;
    BatchingDevice(int* f, std::vector<std::uint16_t>* p) : flushes(f), ports(p) {}
    std::string_view name() const override { return "batching"; }
    l2::Framing framing() const override { return l2::Framing::Ipv4; }
    int fd() const override { return -1; }
    std::size_t mtu() const override { return 1500; }
    std::optional<l2::Received> receive(base::MutBytes) override { return std::nullopt; }
    int send(base::Bytes) override { return 0; }
    void flush() override { ++*flushes; }
    void accept_ports(std::span<const std::uint16_t> p) override { ports->assign(p.begin(), p.end()); }
    bool receives_gso() const override { return true; }
    std::size_t max_send_packet() const override { return 65535; }
    int send_gso(base::Bytes p, std::uint16_t gso_size) override {
        gso_sent.emplace_back(p.size(), gso_size);
        return 0;
    }
    std::vector<std::pair<std::size_t, std::uint16_t>> gso_sent;
};
}  // namespace

TEST_CASE("every wrapper (pcap, faults, trace, plot) passes flush, accept_ports, receives_gso, max_send_packet and send_gso through") {
    // A device that batches sends only puts them on the wire at flush(): a
    // wrapper that swallowed it would leave every packet queued.
    int flushes = 0;
    std::vector<std::uint16_t> ports;
    char dir[] = "/tmp/ustk-watch-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    stack::WatchOptions o;
    o.pcap = std::string(dir) + "/w.pcap";
    o.faults.drop_nth = {2};  // the fault injector is there; the first packet passes
    o.trace = true;
    o.plot = std::string(dir) + "/w.svg";
    std::ostringstream sink;
    o.out = &sink;
    auto dev = std::make_unique<BatchingDevice>(&flushes, &ports);
    BatchingDevice* inner = dev.get();
    auto w = stack::watch_device(std::move(dev), o);
    REQUIRE(w.device);
    CHECK(w.device->name() == "batching");
    w.device->flush();
    CHECK(flushes == 1);
    const std::uint16_t held[] = {8080, 40000};
    w.device->accept_ports(held);
    CHECK(ports == std::vector<std::uint16_t>{8080, 40000});
    CHECK(w.device->receives_gso());
    CHECK(w.device->max_send_packet() == 65535);
    // A super-packet reaches the device whole, with its piece size, and the
    // pcap keeps it whole (one record longer than the MTU).
    const std::vector<std::uint8_t> big(3000, 0);
    CHECK(w.device->send_gso(big, 1448) == 0);
    REQUIRE(inner->gso_sent.size() == 1);
    CHECK(inner->gso_sent[0] == std::pair<std::size_t, std::uint16_t>{3000, 1448});
    if (w.finish) w.finish();
    w.device.reset();
    std::ifstream pcap(o.pcap, std::ios::binary | std::ios::ate);
    CHECK(static_cast<std::size_t>(pcap.tellg()) >= 24 + 16 + 3000);  // file header, record header, packet
    std::remove(o.pcap.c_str());
    std::remove(dir);
}
