// TSO between whole hosts on a simulated Ethernet (tests/sim/hosts.hpp):
// A's interface takes packets of up to 64 KiB (InterfaceConfig::
// max_send_packet) and cuts TCP super-segments into MSS-sized pieces as the
// kernel's TSO would (simhost::tso_segment); B is an ordinary host, which
// takes no packet longer than its MTU. The bytes must arrive exact, with and
// without loss, and what is resent must be new pieces, never a super-segment.
#include "hosts.hpp"

using namespace simhost;

namespace {

constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;

struct Transfer {
    Lan lan;
    Node* a = nullptr;
    Node* b = nullptr;
    host::SocketId c = 0, s = 0;
    std::vector<std::uint8_t> data, got;
    std::size_t sent = 0;

    Transfer(std::size_t max_send_packet, l2::FaultConfig a_wire, std::size_t bytes = 2000000)
        : data(bytes) {
        l2::FaultConfig b_wire;
        b_wire.delay = 1ms;
        a_wire.delay = 1ms;
        a = &lan.add(kA, 1, Lan::default_config(), a_wire, 1514, max_send_packet);
        b = &lan.add(kB, 2, Lan::default_config(), b_wire);
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131 + (i >> 11));
        auto l = b->host.listen(0, 80, 8, {});
        c = a->host.connect({kA, 40000, kB, 80}, {}, lan.now, 0s).value;
        REQUIRE(lan.run_until([&] { return (s = b->host.accept(l.value).value.id) != 0; }, 5s));
    }
    void pump(host::Duration d) {
        std::vector<std::uint8_t> buf(65536);
        const Time end = lan.now + d;
        while (lan.now < end && got.size() < data.size()) {
            if (sent < data.size()) sent += a->host.send(c, base::Bytes(data).subspan(sent), lan.now);
            while (std::size_t n = b->host.recv(s, buf, lan.now))
                got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
            if (!lan.advance(end)) break;
        }
    }
    // Every frame A put on the wire fits the MTU (the pieces, not the
    // super-packets, are on the wire).
    std::size_t largest_on_wire() const {
        std::size_t n = 0;
        for (const Frame* f : lan.frames([](const Frame& x) { return x.from == 0; })) n = std::max(n, f->bytes.size());
        return n;
    }
    tcp::Stats stats() const {
        for (const auto& i : a->host.connection_list().live)
            if (i.tuple.local_port == 40000) return i.stats;
        return {};
    }
};

}  // namespace

TEST_CASE("host sim: TSO super-segments cut into MSS pieces carry 2 MB byte-exact") {
    Transfer t(65535, {});
    t.pump(60s);
    REQUIRE(t.got.size() == t.data.size());
    CHECK(t.got == t.data);
    CHECK(t.a->tso_frames > 0);
    CHECK(t.a->bad_tso == 0);
    CHECK(t.a->largest_frame > 1514);   // super-packets reached the device
    CHECK(t.largest_on_wire() <= 1514);  // and every piece fit the MTU
    CHECK(t.stats().tso_segs_out == t.a->tso_frames);
}

TEST_CASE("host sim: TSO under 3% loss and reordering: byte-exact, and only new data goes out as super-segments") {
    l2::FaultConfig lossy;
    lossy.drop_pct = 3;
    lossy.reorder_pct = 2;
    lossy.reorder_jitter = 2ms;
    lossy.seed = 7;
    Transfer t(65535, lossy);
    t.pump(120s);
    REQUIRE(t.got.size() == t.data.size());
    CHECK(t.got == t.data);
    CHECK(t.a->tso_frames > 0);
    CHECK(t.stats().retransmits > 0);
    CHECK(t.largest_on_wire() <= 1514);
    CHECK(t.a->tso_new_data_only);
}

TEST_CASE("host sim: an interface without TSO sends no super-segment") {
    Transfer t(0, {}, 300000);
    t.pump(30s);
    CHECK(t.got == t.data);
    CHECK(t.a->tso_frames == 0);
    CHECK(t.a->largest_frame <= 1514);
    CHECK(t.stats().tso_segs_out == 0);
}
