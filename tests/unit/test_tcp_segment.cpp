// TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018) against the
// kernel's handshake and data segment (captured with nc, see captured.hpp).
#include <doctest/doctest.h>

#include "tcp/segment.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;
using base::ParseError;

namespace {
constexpr std::uint32_t kA = 0xc0000201;  // 192.0.2.1, the nc client
constexpr std::uint32_t kB = 0xc0000202;  // 192.0.2.2, the nc -l server
constexpr std::size_t kTcpAt = kEth + kIp;

// Rebuilds a parsed segment and returns the bytes our builder writes.
Buf rebuild(const tcp::SegmentView& s, std::uint32_t src, std::uint32_t dst) {
    Buf out(tcp::kHeaderMax + s.payload.size());
    out.resize(tcp::build(out, s.header, src, dst, s.payload));
    return out;
}
}  // namespace

TEST_CASE("RFC 9293 3.1: every field and option of the kernel's SYN") {
    // tcpdump: 192.0.2.1.48188 > 192.0.2.2.5000: Flags [S], cksum 0x14bb (correct),
    //   seq 3858687651, win 64240, options [mss 1460,sackOK,TS val 3674946778 ecr 0,
    //   nop,wscale 10], length 0
    auto r = tcp::parse(view(captured::kTcpSyn, kTcpAt), kA, kB);
    REQUIRE(r.ok());
    const tcp::Header& h = r->header;
    CHECK(h.src_port == 48188);
    CHECK(h.dst_port == 5000);
    CHECK(h.seq == 3858687651u);
    CHECK(h.ack == 0);
    CHECK(h.flags == tcp::flag::SYN);
    CHECK(h.window == 64240);
    CHECK(h.checksum == 0x14bb);
    CHECK(h.urgent == 0);
    CHECK(h.data_offset == 10);
    CHECK(h.options.mss == 1460);
    CHECK(h.options.sack_permitted);
    REQUIRE(h.options.timestamps.has_value());
    CHECK(h.options.timestamps->val == 3674946778u);
    CHECK(h.options.timestamps->ecr == 0);
    CHECK(h.options.wscale == 10);
    CHECK(h.options.sack_count == 0);
    CHECK(r->payload.empty());
    CHECK(r->seg_len() == 1);  // RFC 9293 3.4: the SYN occupies one sequence number
}

TEST_CASE("RFC 9293 3.1: every field and option of the kernel's SYN-ACK") {
    // tcpdump: 192.0.2.2.5000 > 192.0.2.1.48188: Flags [S.], cksum 0x49af (correct),
    //   seq 2110595452, ack 3858687652, win 65160, options [mss 1460,sackOK,
    //   TS val 2775810725 ecr 3674946778,nop,wscale 10], length 0
    auto r = tcp::parse(view(captured::kTcpSynAck, kTcpAt), kB, kA);
    REQUIRE(r.ok());
    const tcp::Header& h = r->header;
    CHECK(h.src_port == 5000);
    CHECK(h.dst_port == 48188);
    CHECK(h.seq == 2110595452u);
    CHECK(h.ack == 3858687652u);
    CHECK(h.flags == (tcp::flag::SYN | tcp::flag::ACK));
    CHECK(h.window == 65160);
    CHECK(h.checksum == 0x49af);
    CHECK(h.options.mss == 1460);
    CHECK(h.options.sack_permitted);
    CHECK(h.options.timestamps == tcp::Timestamps{2775810725u, 3674946778u});
    CHECK(h.options.wscale == 10);
}

TEST_CASE("RFC 7323 3: the kernel's data segment carries timestamps after two NOPs") {
    // tcpdump: 192.0.2.1.48188 > 192.0.2.2.5000: Flags [P.], cksum 0xa4d0 (correct),
    //   seq 1:12, ack 1, win 63, options [nop,nop,TS val 3674946780 ecr 2775810725],
    //   length 11
    auto r = tcp::parse(view(captured::kTcpData, kTcpAt), kA, kB);
    REQUIRE(r.ok());
    const tcp::Header& h = r->header;
    CHECK(h.seq == 3858687652u);  // relative seq 1
    CHECK(h.ack == 2110595453u);  // relative ack 1
    CHECK(h.flags == (tcp::flag::PSH | tcp::flag::ACK));
    CHECK(h.window == 63);  // scaled by 2^10 on the receiver's side
    CHECK(h.checksum == 0xa4d0);
    CHECK(h.data_offset == 8);
    CHECK_FALSE(h.options.mss.has_value());
    CHECK_FALSE(h.options.wscale.has_value());
    CHECK(h.options.timestamps == tcp::Timestamps{3674946780u, 2775810725u});
    CHECK(text(r->payload) == "hello, tcp\n");
    CHECK(r->seg_len() == 11);
}

TEST_CASE("RFC 9293 3.1: the builder reproduces the kernel's SYN, SYN-ACK and data segment") {
    // Our option layout is Linux's, so the bytes match exactly.
    struct Case {
        base::Bytes seg;
        std::uint32_t src, dst;
    };
    for (Case c : {Case{view(captured::kTcpSyn, kTcpAt), kA, kB},
                   Case{view(captured::kTcpSynAck, kTcpAt), kB, kA},
                   Case{view(captured::kTcpData, kTcpAt), kA, kB}}) {
        auto r = tcp::parse(c.seg, c.src, c.dst);
        REQUIRE(r.ok());
        CHECK(rebuild(*r, c.src, c.dst) == Buf(c.seg.begin(), c.seg.end()));
    }
}

TEST_CASE("RFC 9293 3.1: a segment shorter than 20 bytes is truncated, at every length") {
    const base::Bytes seg = view(captured::kTcpSyn, kTcpAt);
    for (std::size_t n = 0; n < 20; ++n)
        CHECK(tcp::parse(seg.first(n), kA, kB).error == ParseError::Truncated);
}

TEST_CASE("RFC 9293 3.1: a data offset below 5 is rejected") {
    Buf seg = copy(captured::kTcpSyn, kTcpAt);
    for (std::uint8_t off = 0; off < 5; ++off) {
        seg[12] = static_cast<std::uint8_t>(off << 4);
        CHECK(tcp::parse(seg, kA, kB, false).error == ParseError::BadDataOffset);
    }
}

TEST_CASE("RFC 9293 3.1: a data offset past the segment is rejected, at every cut") {
    const base::Bytes seg = view(captured::kTcpSyn, kTcpAt);  // 40-byte header
    for (std::size_t n = 20; n < 40; ++n)
        CHECK(tcp::parse(seg.first(n), kA, kB, false).error == ParseError::BadDataOffset);
    Buf big = copy(captured::kTcpSyn, kTcpAt);
    big[12] = 0xf0;  // 60 bytes claimed, 40 held
    CHECK(tcp::parse(big, kA, kB, false).error == ParseError::BadDataOffset);
}

TEST_CASE("RFC 9293 3.2: an option length of 0 or 1 is malformed") {
    for (std::uint8_t len : {0, 1}) {
        Buf seg = copy(captured::kTcpSyn, kTcpAt);
        seg[21] = len;  // the MSS option's length byte
        CHECK(tcp::parse(seg, kA, kB, false).error == ParseError::BadOption);
    }
}

TEST_CASE("RFC 9293 3.2: an option running past the header is malformed") {
    Buf seg = copy(captured::kTcpSyn, kTcpAt);
    // The last option is NOP, WS(3, 3 bytes) at offsets 36..39; claim 5 bytes.
    REQUIRE(seg[37] == tcp::opt::WSCALE);
    seg[38] = 5;
    CHECK(tcp::parse(seg, kA, kB, false).error == ParseError::BadOption);
    // A kind byte in the header's last byte, with no room for its length.
    Buf lone = copy(captured::kTcpSyn, kTcpAt);
    lone[36] = tcp::opt::NOP, lone[37] = tcp::opt::NOP, lone[38] = tcp::opt::NOP;
    lone[39] = tcp::opt::MSS;
    CHECK(tcp::parse(lone, kA, kB, false).error == ParseError::BadOption);
}

TEST_CASE("RFC 9293 3.2: options with the wrong fixed length are malformed") {
    Buf seg = copy(captured::kTcpSyn, kTcpAt);
    seg[21] = 3;  // MSS is always 4 bytes; the next option now starts mid-field
    CHECK(tcp::parse(seg, kA, kB, false).error == ParseError::BadOption);
}

TEST_CASE("RFC 9293 3.1: the checksum covers pseudo-header, header and data") {
    Buf seg = copy(captured::kTcpData, kTcpAt);
    CHECK(tcp::parse(seg, kA, kA).error == ParseError::BadChecksum);  // wrong address
    seg.back() ^= 0x01;
    CHECK(tcp::parse(seg, kA, kB).error == ParseError::BadChecksum);
    CHECK(tcp::parse(seg, kA, kB, /*verify=*/false).ok());
}

TEST_CASE("RFC 2018 3: a second SACK option replaces the first, leaving no stale block") {
    // Found by fuzz_tcp (tests/fuzz-regressions/fuzz_tcp/second-sack-option):
    // two blocks, then one; the second block of the first option stayed in
    // Options::sack past sack_count, so equal options compared unequal.
    Buf seg(20, 0);
    seg[12] = (20 + 28) / 4 << 4;
    const std::uint8_t opts[28] = {tcp::opt::SACK, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0,
                                   0, 4, tcp::opt::SACK, 10, 0, 0, 0, 5, 0, 0, 0, 6};
    seg.insert(seg.end(), opts, opts + 28);
    auto r = tcp::parse(seg, kA, kB, false);
    REQUIRE(r.ok());
    CHECK(r->header.options.sack_count == 1);
    CHECK(r->header.options.sack[0] == tcp::SackBlock{5, 6});
    CHECK(r->header.options.sack[1] == tcp::SackBlock{});
    tcp::Options one;
    one.sack_count = 1;
    one.sack[0] = {5, 6};
    CHECK(r->header.options == one);
}
