// TSO between whole hosts on a simulated Ethernet (tests/sim/hosts.hpp):
// A's interface takes packets of up to 64 KiB (InterfaceConfig::
// max_send_packet) and cuts TCP super-segments into MSS-sized pieces as the
// kernel's TSO would (simhost::tso_segment); B is an ordinary host, which
// takes no packet longer than its MTU. The bytes must arrive exact, with and
// without loss, and what is resent must be new pieces, never a super-segment.
#include "hosts.hpp"

using namespace simhost;

namespace {

l2::FaultConfig delayed(l2::FaultConfig w) {
    w.delay = 1ms;
    return w;
}

struct Transfer : OneWayTransfer {
    Transfer(std::size_t max_send_packet, l2::FaultConfig a_wire, std::size_t bytes = 2000000)
        : OneWayTransfer(bytes, delayed(a_wire), delayed({}), max_send_packet) {}
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
    // Every super-packet carried the pseudo-header's sum in its checksum
    // field (send_gso's partial checksum), and finished it verified.
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
    CHECK(t.a->bad_tso == 0);
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
