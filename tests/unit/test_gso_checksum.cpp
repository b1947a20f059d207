// The checksum contract of l2::Device::send_gso (link/gso_checksum.hpp): a
// TSO super-segment is built with only the pseudo-header's sum in its TCP
// checksum field (CHECKSUM_PARTIAL), and finishing it gives the bytes the
// whole RFC 9293 3.1 checksum gives; the wrappers that need it whole (a
// device that cannot segment, the pcap file, the fault injector's
// --corrupt) finish it, the trace says so instead of crying BAD CHECKSUM.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "ip/checksum.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"
#include "link/fault_device.hpp"
#include "link/faults.hpp"
#include "link/gso.hpp"
#include "link/gso_checksum.hpp"
#include "link/pcap_device.hpp"
#include "tcp/segment.hpp"
#include "tests/unit/super_packet.hpp"
#include "trace/trace_device.hpp"

namespace {

using test_tso::kDst;
using test_tso::kSrc;
using test_tso::super_packet;

bool tcp_verifies(base::Bytes ipv4) {
    const auto v = ip::parse_ipv4(ipv4, true);
    return v && ip::transport_checksum_ok(v->header.src, v->header.dst, ip::kProtoTcp, v->payload);
}

// Records what it is asked to send, and through which call.
struct Recorder final : l2::Device {
    struct Sent {
        std::vector<std::uint8_t> bytes;
        std::uint16_t gso_size = 0;
        bool via_gso = false;
    };
    std::shared_ptr<std::vector<Sent>> sent = std::make_shared<std::vector<Sent>>();
    bool segments = true;  // overrides send_gso, as a TSO device does
    l2::Framing framing_ = l2::Framing::Ipv4;

    std::string_view name() const override { return "rec"; }
    l2::Framing framing() const override { return framing_; }
    int fd() const override { return -1; }
    std::size_t mtu() const override { return 1500; }
    std::optional<l2::Received> receive(base::MutBytes) override { return std::nullopt; }
    int send(base::Bytes p) override {
        sent->push_back({{p.begin(), p.end()}, 0, false});
        return 0;
    }
    int send_gso(base::Bytes p, std::uint16_t gso_size) override {
        if (!segments) return Device::send_gso(p, gso_size);
        sent->push_back({{p.begin(), p.end()}, gso_size, true});
        return 0;
    }
};

}  // namespace

TEST_CASE("RFC 9293 3.1: a super-segment built partial holds the pseudo-header's sum; finished, it is the whole build byte for byte") {
    // 65483: the largest payload of an IPv4 packet with these headers (RFC 791: 65535).
    for (std::size_t n : {1u, 1447u, 2896u, 3 * 1448u + 1, 40000u, 65483u}) {
        CAPTURE(n);
        const auto whole = super_packet(n, tcp::ChecksumMode::Whole);
        auto partial = super_packet(n, tcp::ChecksumMode::Partial);
        REQUIRE(whole.size() == partial.size());
        CHECK(tcp_verifies(whole));
        // The field: source, destination, zero + PTCL, TCP length, folded.
        ip::Checksum pseudo;
        ip::add_pseudo_header(pseudo, kSrc, kDst, ip::kProtoTcp,
                              static_cast<std::uint16_t>(whole.size() - ip::kIpv4HeaderLen));
        CHECK(base::get_u16(&partial[ip::kIpv4HeaderLen + 16]) == pseudo.folded());
        CHECK(l2::tcp_checksum_is_partial(partial, l2::Framing::Ipv4));
        CHECK_FALSE(l2::tcp_checksum_is_partial(whole, l2::Framing::Ipv4));
        CHECK(std::equal(whole.begin(), whole.begin() + 36, partial.begin()));  // only the field differs
        CHECK(std::equal(whole.begin() + 38, whole.end(), partial.begin() + 38));
        REQUIRE(l2::finish_tcp_checksum(partial, l2::Framing::Ipv4));
        CHECK(partial == whole);
        // The same in an Ethernet frame (what a TAP is handed).
        auto framed = super_packet(n, tcp::ChecksumMode::Partial, true);
        CHECK(l2::tcp_checksum_is_partial(framed, l2::Framing::Ethernet));
        REQUIRE(l2::finish_tcp_checksum(framed, l2::Framing::Ethernet));
        CHECK(framed == super_packet(n, tcp::ChecksumMode::Whole, true));
    }
}

TEST_CASE("gso checksum: what is no whole IPv4 TCP packet is never written") {
    const auto good = super_packet(3000, tcp::ChecksumMode::Partial);
    auto udp = good;
    udp[9] = ip::kProtoUdp;
    auto frag = good;
    frag[7] = 0x10;  // a fragment offset: the segment is not all here
    auto bad_off = good;
    bad_off[20 + 12] = 0x40;  // TCP data offset below 20 bytes
    auto cut = std::vector<std::uint8_t>(good.begin(), good.end() - 1);  // shorter than its length
    auto v6 = good;
    v6[0] = 0x65;
    for (auto* p : {&udp, &frag, &bad_off, &cut, &v6}) {
        const auto before = *p;
        CHECK_FALSE(l2::finish_tcp_checksum(*p, l2::Framing::Ipv4));
        CHECK(*p == before);
    }
    auto arp = super_packet(3000, tcp::ChecksumMode::Partial, true);
    arp[13] = 0x06;  // EtherType 0x0806
    CHECK_FALSE(l2::locate_tcp_checksum(arp, l2::Framing::Ethernet));
    CHECK_FALSE(l2::locate_tcp_checksum(base::Bytes(good).first(10), l2::Framing::Ipv4));
}

TEST_CASE("gso checksum: a device that cannot segment finishes a copy, so the wire sees a whole checksum") {
    Recorder dev;
    dev.segments = false;
    const auto partial = super_packet(5000, tcp::ChecksumMode::Partial);
    const auto copy = partial;
    CHECK(dev.send_gso(partial, 1448) == 0);
    REQUIRE(dev.sent->size() == 1);
    CHECK_FALSE(dev.sent->front().via_gso);
    CHECK(dev.sent->front().bytes == super_packet(5000, tcp::ChecksumMode::Whole));
    CHECK(partial == copy);  // the caller's buffer is not written
    CHECK(dev.send_gso(std::vector<std::uint8_t>(60, 0), 1448) == EINVAL);  // no TCP: dropped
    CHECK(dev.sent->size() == 1);
}

TEST_CASE("gso checksum: the pcap file holds the super-packet whole, the device below gets it partial") {
    char path[] = "/tmp/ustk-test-gso-pcap-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    auto inner = std::make_unique<Recorder>();
    auto sent = inner->sent;
    const auto partial = super_packet(4000, tcp::ChecksumMode::Partial);
    {
        l2::PcapDevice dev(std::move(inner), path);
        CHECK(dev.send_gso(partial, 1448) == 0);
    }
    REQUIRE(sent->size() == 1);
    CHECK(sent->front().bytes == partial);
    CHECK(sent->front().gso_size == 1448);
    std::ifstream f(path, std::ios::binary);
    const std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(f)), {});
    std::remove(path);
    REQUIRE(b.size() == 24 + 16 + partial.size());  // file header, record header, the packet
    const std::vector<std::uint8_t> rec(b.begin() + 40, b.end());
    CHECK(tcp_verifies(rec));
    CHECK(rec == super_packet(4000, tcp::ChecksumMode::Whole));
}

TEST_CASE("gso checksum: --corrupt cuts a super-packet into its pieces and damages one, so the receiver's check catches it") {
    // Left partial, the device would complete the sum over the flipped byte
    // and the damage would arrive with a good checksum: the injector cuts
    // the pieces itself (each whole, gso_size 0) and flips a byte in one.
    const auto partial = super_packet(3000, tcp::ChecksumMode::Partial);
    std::vector<std::vector<std::uint8_t>> clean;
    std::vector<std::uint8_t> scratch;
    REQUIRE(l2::segment_tcp(partial, l2::Framing::Ipv4, 1448, scratch,
                            [&](base::Bytes p) { clean.emplace_back(p.begin(), p.end()); }) == 3);
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        CAPTURE(seed);
        l2::FaultConfig cfg;
        cfg.corrupt_pct = 100;
        cfg.seed = seed;
        l2::FaultInjector inj(cfg, "t");
        inj.set_framing(l2::Framing::Ipv4);
        REQUIRE(inj.push(partial, base::Time{0}, 1448) == 1);
        std::size_t bad = 0, differ = 0;
        for (const auto& want : clean) {
            std::vector<std::uint8_t> out;
            std::uint16_t gso = 1;
            REQUIRE(inj.pop(base::Time{0}, out, &gso));
            CHECK(gso == 0);
            REQUIRE(out.size() == want.size());
            for (std::size_t i = 0; i < out.size(); ++i) differ += out[i] != want[i];
            bad += !tcp_verifies(out);  // the IPv4 header's or the TCP sum disagrees
        }
        CHECK(differ == 1);
        CHECK(bad == 1);
        CHECK(inj.counters().corrupted == 1);
        CHECK(inj.pending() == 0);
    }
    // Not corrupted: the copy stays partial and keeps its piece size.
    l2::FaultInjector untouched(l2::FaultConfig{.seed = 1}, "t");
    REQUIRE(untouched.push(partial, base::Time{0}, 1448) == 1);
    std::vector<std::uint8_t> out;
    std::uint16_t gso = 0;
    REQUIRE(untouched.pop(base::Time{0}, out, &gso));
    CHECK(gso == 1448);
    CHECK(out == partial);
}

TEST_CASE("gso checksum: the fault device sends a corrupted super-packet's pieces through send(), a clean one through send_gso") {
    auto inner = std::make_unique<Recorder>();
    auto sent = inner->sent;
    l2::FaultConfig cfg;
    cfg.corrupt_pct = 100;
    cfg.seed = 3;
    l2::FaultDevice dev(std::move(inner), cfg);
    CHECK(dev.send_gso(super_packet(3000, tcp::ChecksumMode::Partial), 1448) == 0);
    CHECK(dev.last_fate().corrupted);
    REQUIRE(sent->size() == 3);
    std::size_t bad = 0;
    for (const auto& p : *sent) {
        CHECK_FALSE(p.via_gso);
        bad += !tcp_verifies(p.bytes);
    }
    CHECK(bad == 1);
}

TEST_CASE("segment_tcp: pieces as the kernel's GSO cuts them: headers, sequence numbers, flags, whole checksums") {
    for (const bool eth : {false, true}) {
        CAPTURE(eth);
        const auto sp = super_packet(5000, tcp::ChecksumMode::Partial, eth);
        const std::size_t l2len = eth ? l2::kEthHeaderLen : 0;
        const auto whole = super_packet(5000, tcp::ChecksumMode::Whole, eth);
        const auto v = ip::parse_ipv4(base::Bytes(whole).subspan(l2len), true);
        REQUIRE(v);
        const auto seg = tcp::parse(v->payload, kSrc, kDst, true);
        REQUIRE(seg);
        std::vector<std::vector<std::uint8_t>> pieces;
        std::vector<std::uint8_t> scratch;
        const auto framing = eth ? l2::Framing::Ethernet : l2::Framing::Ipv4;
        REQUIRE(l2::segment_tcp(sp, framing, 1448, scratch,
                                [&](base::Bytes p) { pieces.emplace_back(p.begin(), p.end()); }) == 4);
        std::vector<std::uint8_t> payload;
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            CAPTURE(i);
            const auto& p = pieces[i];
            if (eth) CHECK(std::equal(p.begin(), p.begin() + 14, sp.begin()));
            const base::Bytes ipb = base::Bytes(p).subspan(l2len);
            CHECK(tcp_verifies(ipb));
            const auto pv = ip::parse_ipv4(ipb, true);
            REQUIRE(pv);
            CHECK(pv->header.id == static_cast<std::uint16_t>(v->header.id + i));
            CHECK(pv->header.df);
            const auto ps = tcp::parse(pv->payload, kSrc, kDst, true);
            REQUIRE(ps);
            CHECK(ps->header.seq == seg->header.seq + static_cast<std::uint32_t>(payload.size()));
            CHECK(ps->header.ack == seg->header.ack);
            CHECK(ps->header.options.timestamps == seg->header.options.timestamps);
            const bool last = i + 1 == pieces.size();
            CHECK(((ps->header.flags & tcp::flag::PSH) != 0) == last);
            CHECK(ps->payload.size() == (last ? 5000 - 3 * 1448 : 1448));
            payload.insert(payload.end(), ps->payload.begin(), ps->payload.end());
        }
        CHECK(payload == std::vector<std::uint8_t>(seg->payload.begin(), seg->payload.end()));
    }
    std::vector<std::uint8_t> scratch;
    std::size_t n = 0;
    CHECK(l2::segment_tcp(std::vector<std::uint8_t>(60, 0), l2::Framing::Ipv4, 1448, scratch,
                          [&](base::Bytes) { ++n; }) == 0);  // no IPv4 TCP packet
    CHECK(l2::segment_tcp(super_packet(100, tcp::ChecksumMode::Whole), l2::Framing::Ipv4, 0, scratch,
                          [&](base::Bytes) { ++n; }) == 0);  // no piece size
    CHECK(n == 0);
    CHECK(l2::segment_tcp(super_packet(100, tcp::ChecksumMode::Whole), l2::Framing::Ipv4, 1448, scratch,
                          [&](base::Bytes) { ++n; }) == 1);  // short: one piece
    CHECK(n == 1);
}

TEST_CASE("gso checksum: the trace marks a super-packet's partial sum, never BAD CHECKSUM") {
    std::ostringstream out;
    {
        trace::TraceDevice dev(std::make_unique<Recorder>(), nullptr, out, trace::TraceOptions{}, false,
                               [] { return tcp::Time{0}; });
        CHECK(dev.send_gso(super_packet(3000, tcp::ChecksumMode::Partial), 1448) == 0);
        // The same bytes through send() claim to be whole: then it is bad.
        CHECK(dev.send(super_packet(3000, tcp::ChecksumMode::Partial)) == 0);
    }
    const std::string s = out.str();
    CAPTURE(s);
    const auto first = s.find('\n');
    REQUIRE(first != std::string::npos);
    CHECK(s.substr(0, first).find("cksum offloaded") != std::string::npos);
    CHECK(s.substr(0, first).find("BAD CHECKSUM") == std::string::npos);
    CHECK(s.substr(first).find("BAD CHECKSUM") != std::string::npos);
}
