// A TCP super-packet in pieces (l2::GsoParts, Device::send_gso_parts): the
// headers the host builds alone (tcp::build_header_partial) are the bytes
// tcp::build writes before the payload; the default of Device (and of
// every wrapper) joins the pieces into the very packet send_gso would have
// taken; a wrapper (pcap, faults, trace, plot) gets it whole; what the TAP
// checks of a super-packet (plan_tso) reads only the headers.
#include <doctest/doctest.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

#include "ip/ipv4.hpp"
#include "link/arp_cache.hpp"
#include "link/device.hpp"
#include "link/gso_checksum.hpp"
#include "link/pcap_device.hpp"
#include "link/vnet.hpp"
#include "tests/unit/super_packet.hpp"

namespace {

using Buf = std::vector<std::uint8_t>;
using test_tso::super_packet;

// Ethernet 14 + IPv4 20 + TCP 20 with timestamps (12): super_packet's.
constexpr std::size_t kHead = 14 + 20 + 32;

// Records what reaches it.
struct Recorder : l2::Device {
    std::vector<Buf> gso;
    std::vector<std::uint16_t> sizes;
    std::size_t parts_calls = 0, sends = 0;
    int result = 0;
    std::string_view name() const override { return "rec"; }
    l2::Framing framing() const override { return l2::Framing::Ethernet; }
    int fd() const override { return -1; }
    std::size_t mtu() const override { return 1514; }
    std::optional<l2::Received> receive(base::MutBytes) override { return std::nullopt; }
    int send(base::Bytes) override {
        ++sends;
        return 0;
    }
    int send_gso(base::Bytes p, std::uint16_t gso_size) override {
        gso.emplace_back(p.begin(), p.end());
        sizes.push_back(gso_size);
        return result;
    }
};

// Records the pieces as they come, as the TAP would write them.
struct PartsRecorder : Recorder {
    std::vector<l2::GsoParts> parts;
    int send_gso_parts(const l2::GsoParts& p) override {
        ++parts_calls;
        parts.push_back(p);
        return 0;
    }
};

// A wrapper that, like the pcap writer, looks at the whole packet.
struct Looker : l2::DeviceWrapper {
    using DeviceWrapper::DeviceWrapper;
    std::vector<Buf> seen;
    int send_gso(base::Bytes p, std::uint16_t gso_size) override {
        seen.emplace_back(p.begin(), p.end());
        return inner_->send_gso(p, gso_size);
    }
};

l2::GsoParts split(const Buf& f, std::size_t head, std::size_t p1, std::uint16_t gso = 1448) {
    const base::Bytes b(f);
    return {b.first(head), b.subspan(head, p1), b.subspan(head + p1), gso};
}

Buf read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Buf(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("gso parts: the headers built alone are the bytes build() writes before the payload") {
    const Buf data(40000, 0x5a);
    tcp::Header h;
    h.src_port = 40000;
    h.dst_port = 9;
    h.seq = 0x10;
    h.flags = tcp::flag::ACK;
    for (int opts = 0; opts < 2; ++opts) {
        if (opts) h.options.timestamps = tcp::Timestamps{1, 2};
        for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{39999}}) {
            Buf whole(60 + data.size()), head(60);
            const base::Bytes d(data);
            const std::size_t n = tcp::build(whole, h, test_tso::kSrc, test_tso::kDst, d.first(cut),
                                             d.subspan(cut), tcp::ChecksumMode::Partial);
            const std::size_t hl = tcp::build_header_partial(head, h, test_tso::kSrc, test_tso::kDst,
                                                             data.size());
            REQUIRE(hl == n - data.size());
            CHECK(Buf(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(hl)) ==
                  Buf(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(hl)));
        }
    }
    Buf small(19);
    CHECK(tcp::build_header_partial(small, h, test_tso::kSrc, test_tso::kDst, 10) == 0);
    Buf room(60);
    CHECK(tcp::build_header_partial(room, h, test_tso::kSrc, test_tso::kDst, 65535) == 0);  // > 64 KiB
}

TEST_CASE("gso parts: Device's default joins them into the packet send_gso would take") {
    const Buf f = super_packet(20000, tcp::ChecksumMode::Partial, true);
    for (auto [head, p1] : {std::pair<std::size_t, std::size_t>{kHead, 7000}, {kHead, 0},
                            {kHead, 20000}, {f.size(), 0}, {3, 100}}) {
        Recorder r;
        r.result = EIO;
        CHECK(r.send_gso_parts(split(f, head, p1, 1400)) == EIO);  // its result, back
        REQUIRE(r.gso.size() == 1);
        CHECK(r.gso[0] == f);
        CHECK(r.sizes[0] == 1400);
    }
    Buf out;
    l2::join_parts(split(f, kHead, 5), out);
    CHECK(out == f);
}

TEST_CASE("gso parts: a wrapper sees the packet whole, and its device gets it through send_gso") {
    const Buf f = super_packet(30000, tcp::ChecksumMode::Partial, true);
    auto inner = std::make_unique<PartsRecorder>();
    PartsRecorder& rec = *inner;
    Looker outer(std::make_unique<Looker>(std::move(inner)));
    CHECK(outer.send_gso_parts(split(f, kHead, 12345)) == 0);
    REQUIRE(outer.seen.size() == 1);
    CHECK(outer.seen[0] == f);
    CHECK(rec.parts_calls == 0);  // joined above it, so not in pieces
    REQUIRE(rec.gso.size() == 1);
    CHECK(rec.gso[0] == f);
    // Without a wrapper the device gets the pieces themselves, unjoined.
    PartsRecorder bare;
    const auto p = split(f, kHead, 12345);
    bare.send_gso_parts(p);
    REQUIRE(bare.parts.size() == 1);
    CHECK(bare.parts[0].head.data() == p.head.data());
    CHECK(bare.parts[0].p1.data() == p.p1.data());
    CHECK(bare.parts[0].p2.size() == p.p2.size());
    CHECK(bare.gso.empty());
}

TEST_CASE("gso parts: the pcap writer records the same frame from the pieces as from the whole") {
    const Buf f = super_packet(20000, tcp::ChecksumMode::Partial, true);
    const std::string base = "/tmp/stack-test-" + std::to_string(::getpid()) + "-parts";
    {
        l2::PcapDevice whole(std::make_unique<Recorder>(), base + "-whole.pcap");
        l2::PcapDevice parts(std::make_unique<PartsRecorder>(), base + "-parts.pcap");
        CHECK(whole.send_gso(f, 1448) == 0);
        CHECK(parts.send_gso_parts(split(f, kHead, 999)) == 0);
    }
    const Buf a = read_file(base + "-whole.pcap"), b = read_file(base + "-parts.pcap");
    REQUIRE(a.size() == 24 + 16 + f.size());
    REQUIRE(b.size() == a.size());
    // The record after its timestamp: lengths, then the frame (finished).
    CHECK(Buf(a.begin() + 32, a.end()) == Buf(b.begin() + 32, b.end()));
    ::unlink((base + "-whole.pcap").c_str());
    ::unlink((base + "-parts.pcap").c_str());
}

TEST_CASE("gso parts: the TAP's plan reads only the headers") {
    const Buf f = super_packet(20000, tcp::ChecksumMode::Partial, true);
    const auto whole = l2::plan_tso(f, 1448);
    const auto head = l2::plan_tso(base::Bytes(f).first(kHead), f.size(), 1448);
    REQUIRE(whole);
    REQUIRE(head);
    CHECK(head->hdr.hdr_len == whole->hdr.hdr_len);
    CHECK(head->hdr.csum_start == whole->hdr.csum_start);
    CHECK(head->csum_at == whole->csum_at);
    CHECK(head->pseudo == whole->pseudo);
    CHECK(base::get_u16(&f[head->csum_at]) == head->pseudo);
    // A head that ends inside the TCP header, or a frame shorter than its
    // IPv4 total length, is no super-packet.
    CHECK_FALSE(l2::plan_tso(base::Bytes(f).first(kHead - 1), f.size(), 1448));
    CHECK_FALSE(l2::plan_tso(base::Bytes(f).first(kHead), f.size() - 1, 1448));
    CHECK_FALSE(l2::locate_tcp_checksum(base::Bytes(f).first(30), f.size(), l2::Framing::Ethernet));
}

TEST_CASE("gso parts: ARP's resolve_known answers from the cache and asks nobody") {
    struct Sink : l2::ArpSink {
        int arps = 0, sent = 0;
        void send_arp(const l2::MacAddr&, const l2::ArpPacket&) override { ++arps; }
        void send_ipv4(const l2::MacAddr&, base::Bytes) override { ++sent; }
        void unresolved(std::uint32_t, base::Bytes) override {}
    } sink;
    const l2::MacAddr ours{{2, 0, 0, 0, 0, 1}}, theirs{{2, 0, 0, 0, 0, 9}};
    l2::ArpCache arp(ours, 0x0a000001, sink, {});
    CHECK_FALSE(arp.resolve_known(0x0a000009));
    CHECK(sink.arps == 0);  // no request: the caller resolves the packet whole
    CHECK(arp.size() == 0);
    arp.add_static(0x0a000009, theirs);
    const auto m = arp.resolve_known(0x0a000009);
    REQUIRE(m);
    CHECK(*m == theirs);
    CHECK(sink.sent == 0);
}
