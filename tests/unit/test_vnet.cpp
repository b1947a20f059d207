// The TAP's virtio_net_hdr (link/vnet): bytes as the kernel writes them
// (little-endian), what is refused, and the round trip; the header of a
// TCP super-packet we send (TSO); and the host's rule
// that only a GSO device may hand over packets longer than its MTU.
#include <doctest/doctest.h>

#include <vector>

#include "host/host.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"
#include "link/vnet.hpp"
#include "tcp/segment.hpp"
#include "tests/unit/super_packet.hpp"

TEST_CASE("vnet: a TCPv4 super-packet's header as the kernel writes it") {
    // NEEDS_CSUM, GSO_TCPV4, hdr_len 66, gso_size 1448, csum at 34 + 16.
    const std::uint8_t b[] = {0x01, 0x01, 66, 0, 0xa8, 0x05, 34, 0, 16, 0};
    const auto h = l2::parse_vnet(b, 65000);
    REQUIRE(h);
    CHECK(h->flags == l2::VnetHdr::kNeedsCsum);
    CHECK(h->gso_type == l2::VnetHdr::kGsoTcpV4);
    CHECK(h->hdr_len == 66);
    CHECK(h->gso_size == 1448);
    CHECK(h->csum_start == 34);
    CHECK(h->csum_offset == 16);
    std::uint8_t out[l2::kVnetHdrLen];
    l2::write_vnet(*h, out);
    CHECK(std::vector<std::uint8_t>(out, out + sizeof out) == std::vector<std::uint8_t>(b, b + sizeof b));
    // With ECN the type is still TCPv4.
    std::uint8_t ecn[sizeof b];
    std::copy(b, b + sizeof b, ecn);
    ecn[1] = 0x81;
    CHECK(l2::parse_vnet(ecn, 65000));
}

TEST_CASE("vnet: headers we cannot honour are refused") {
    std::uint8_t b[l2::kVnetHdrLen]{};
    CHECK(l2::parse_vnet(b, 60));                            // a plain frame
    CHECK_FALSE(l2::parse_vnet(base::Bytes(b, 9), 60));      // short
    l2::VnetHdr h;
    h.flags = l2::VnetHdr::kNeedsCsum;
    h.csum_start = 34;
    h.csum_offset = 16;
    l2::write_vnet(h, b);
    CHECK(l2::parse_vnet(b, 52));
    CHECK_FALSE(l2::parse_vnet(b, 51));                      // the sum would land past the end
    h.gso_type = l2::VnetHdr::kGsoUdp;                       // not offered
    l2::write_vnet(h, b);
    CHECK_FALSE(l2::parse_vnet(b, 2000));
    h.gso_type = l2::VnetHdr::kGsoTcpV4;                     // TSO needs a size and a partial sum
    h.gso_size = 0;
    l2::write_vnet(h, b);
    CHECK_FALSE(l2::parse_vnet(b, 2000));
    h.gso_size = 1448;
    h.flags = 0;
    l2::write_vnet(h, b);
    CHECK_FALSE(l2::parse_vnet(b, 2000));
}

namespace {
struct NullSink final : host::FrameSink {
    int transmit(base::Bytes) override { return 0; }
};
}  // namespace

TEST_CASE("host: a packet longer than the MTU only from a device that passes GSO") {
    const auto bad_length = static_cast<std::size_t>(base::ParseError::BadLength);
    for (bool gso : {false, true}) {
        NullSink sink;
        host::Host h(host::Config{});
        host::InterfaceConfig c{"p2p", l2::Framing::Ipv4, 1500, {0x0a000001, 24}, {}, false, gso};
        const int i = h.add_interface(c, sink);
        const std::vector<std::uint8_t> junk(1501, 0);
        h.on_frame(i, junk, false, base::Time{0});
        CHECK(h.counters().malformed[bad_length] == (gso ? 0u : 1u));
        h.on_frame(i, base::Bytes(junk).first(1500), false, base::Time{0});
        CHECK(h.counters().malformed[bad_length] == (gso ? 0u : 1u));  // within the MTU: parsed
    }
}

namespace {
// The folded RFC 1071 sum of f[from..], plus `extra` (a pseudo-header sum).
std::uint32_t ones_sum(const std::vector<std::uint8_t>& f, std::size_t from, std::uint32_t extra) {
    std::uint32_t sum = extra;
    std::size_t i = from;
    for (; i + 1 < f.size(); i += 2) sum += std::uint32_t(f[i]) << 8 | f[i + 1];
    if (i < f.size()) sum += std::uint32_t(f[i]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}
}  // namespace

TEST_CASE("vnet: a capture finishes a partial checksum as the NIC would") {
    // The sum starts at 4 and goes at 4 + 2, where the kernel left the
    // pseudo-header's sum; afterwards the region plus that pseudo-header
    // sum verifies (sums to 0xffff), as a receiver checks it.
    const std::uint32_t pseudo = 0x1234;
    std::vector<std::uint8_t> f = {0xde, 0xad, 0xbe, 0xef, 0x45, 0x67, 0x12, 0x34,
                                   0x00, 0x01, 0xff, 0xfe, 0x7f};  // odd length
    CHECK(ones_sum(f, 4, pseudo) != 0xffff);
    l2::Received r{f.size(), true};
    r.partial_start = 4;
    r.partial_offset = 2;
    l2::finish_partial_checksum(r, f);
    CHECK(f[0] == 0xde);  // before the start: untouched
    CHECK(f[4] == 0x45);
    CHECK(ones_sum(f, 4, pseudo) == 0xffff);
    // A whole frame, or a position past the end: nothing changes.
    auto g = f;
    l2::finish_partial_checksum(l2::Received{g.size(), true}, g);
    CHECK(g == f);
    r.partial_start = 12;
    l2::finish_partial_checksum(r, g);
    CHECK(g == f);
}

namespace {
// An Ethernet frame with a TCP super-packet as the host builds it, both
// checksums complete.
std::vector<std::uint8_t> super_frame(std::size_t payload, std::uint8_t protocol = ip::kProtoTcp) {
    return test_tso::super_packet(payload, tcp::ChecksumMode::Whole, true, protocol);
}
}  // namespace

TEST_CASE("vnet: the header a TCP super-packet we send carries, and a partial sum the kernel completes to ours") {
    auto f = super_frame(3 * 1448 + 100);
    const auto p = l2::plan_tso(f, 1448);
    REQUIRE(p);
    CHECK(p->hdr.flags == l2::VnetHdr::kNeedsCsum);
    CHECK(p->hdr.gso_type == l2::VnetHdr::kGsoTcpV4);
    CHECK(p->hdr.hdr_len == 14 + 20 + 32);  // Ethernet, IPv4, TCP with timestamps
    CHECK(p->hdr.gso_size == 1448);
    CHECK(p->hdr.csum_start == 34);
    CHECK(p->hdr.csum_offset == 16);
    CHECK(p->csum_at == 50);
    // The header as bytes: what parse_vnet (the kernel's reading) accepts.
    std::uint8_t b[l2::kVnetHdrLen];
    l2::write_vnet(p->hdr, b);
    CHECK(l2::parse_vnet(b, f.size()));
    // Put the pseudo-header's sum where the kernel expects it, and let the
    // "NIC" finish it: the result is the full checksum the host computed.
    const std::uint16_t full = static_cast<std::uint16_t>(f[50] << 8 | f[51]);
    f[50] = static_cast<std::uint8_t>(p->pseudo >> 8);
    f[51] = static_cast<std::uint8_t>(p->pseudo);
    l2::Received r{f.size(), true};
    r.partial_start = p->hdr.csum_start;
    r.partial_offset = p->hdr.csum_offset;
    l2::finish_partial_checksum(r, f);
    CHECK(static_cast<std::uint16_t>(f[50] << 8 | f[51]) == full);
}

TEST_CASE("vnet: what is no IPv4 TCP super-packet gets no TSO header") {
    CHECK_FALSE(l2::plan_tso(super_frame(4000), 0));                  // no piece size
    CHECK_FALSE(l2::plan_tso(super_frame(4000, ip::kProtoUdp), 1448));  // not TCP
    auto f = super_frame(4000);
    CHECK_FALSE(l2::plan_tso(base::Bytes(f).first(40), 1448));        // cut inside the headers
    CHECK_FALSE(l2::plan_tso(base::Bytes(f).first(f.size() - 1), 1448));  // shorter than its length
    auto arp = f;
    arp[13] = 0x06;  // EtherType 0x0806
    CHECK_FALSE(l2::plan_tso(arp, 1448));
    auto bad_off = f;
    bad_off[14 + 20 + 12] = 0x40;  // TCP data offset 4 words: below the 20-byte minimum
    CHECK_FALSE(l2::plan_tso(bad_off, 1448));
}

TEST_CASE("vnet: what send_gso takes is planned only with the checksum field left partial") {
    auto f = super_frame(3 * 1448 + 100);  // its checksum whole
    CHECK_FALSE(l2::plan_partial_tso(f, f.size(), 1448));
    const auto p = l2::plan_tso(f, 1448);
    REQUIRE(p);
    f[p->csum_at] = static_cast<std::uint8_t>(p->pseudo >> 8);
    f[p->csum_at + 1] = static_cast<std::uint8_t>(p->pseudo);
    const auto q = l2::plan_partial_tso(f, f.size(), 1448);
    REQUIRE(q);
    CHECK(q->hdr.hdr_len == p->hdr.hdr_len);
    // From the headers alone, as the raw device and the TAP plan.
    CHECK(l2::plan_partial_tso(base::Bytes(f).first(q->hdr.hdr_len), f.size(), 1448));
    CHECK_FALSE(l2::plan_partial_tso(super_frame(4000, ip::kProtoUdp), 4000 + 66, 1448));
}
