// Random mutations and truncations of the kernel's packets through every
// parser and dump: none may crash or read outside its buffer (run under
// `make test-asan`, which turns an over-read into a failure), and every view
// a successful parse returns lies inside the input.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "ip/dump.hpp"
#include "link/dump.hpp"
#include "tcp/segment_dump.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;

namespace {

// Tallied rather than CHECKed one by one, so a run adds a few assertions, not
// hundreds of thousands.
struct Tally {
    int parsed = 0;     // successful parses (the fuzz reaches the parsers)
    int escaped = 0;    // views pointing outside their input: must stay 0
    int empty_dump = 0; // dumps that came out empty: must stay 0

    void within(base::Bytes part, base::Bytes whole) {
        if (!part.empty() && (part.data() < whole.data() ||
                              part.data() + part.size() > whole.data() + whole.size()))
            ++escaped;
    }
    void dump(const std::string& d) {
        ++parsed;
        if (d.empty()) ++empty_dump;
    }
};

// One mutation of `b`: flip bits, overwrite a byte, cut, or extend.
void mutate(Buf& b, std::mt19937& rng) {
    auto pick = [&](std::size_t n) { return n ? std::size_t{rng()} % n : 0; };
    switch (rng() % 4) {
        case 0:
            if (!b.empty()) b[pick(b.size())] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
            break;
        case 1:
            if (!b.empty()) b[pick(b.size())] = static_cast<std::uint8_t>(rng());
            break;
        case 2: b.resize(pick(b.size() + 1)); break;
        case 3: b.resize(b.size() + 1 + pick(16), static_cast<std::uint8_t>(rng())); break;
    }
}

// Runs the transport parsers (and dumps) over an IPv4 payload.
void transport(Tally& t, base::Bytes seg, std::uint32_t src, std::uint32_t dst) {
    for (bool verify : {true, false}) {
        if (auto s = tcp::parse(seg, src, dst, verify)) {
            t.within(s->payload, seg);
            t.dump(tcp::dump(s->header));
        }
        if (auto u = ip::parse_udp(seg, src, dst, verify)) {
            t.within(u->payload, seg);
            t.dump(ip::dump(u->header));
        }
        if (auto i = ip::parse_icmp(seg, verify)) {
            t.within(i->message.data, seg);
            t.within(i->original.payload, seg);
            t.dump(ip::dump(i->message));
        }
    }
}

// Every parser on one buffer: as a frame, and at each layer's offset.
void parse_everything(Tally& t, base::Bytes frame) {
    if (auto e = l2::parse_ethernet(frame)) {
        t.within(e->payload, frame);
        t.dump(l2::dump(e->header));
        if (auto a = l2::parse_arp(e->payload)) t.dump(l2::dump(*a));
        for (bool verify : {true, false}) {
            if (auto p = ip::parse_ipv4(e->payload, verify)) {
                t.within(p->payload, e->payload);
                t.within(p->options, e->payload);
                t.dump(ip::dump(p->header));
                transport(t, p->payload, p->header.src, p->header.dst);
            }
        }
    }
    // Straight at fixed offsets too, so the inner parsers see the damage
    // even when an outer header would have stopped it.
    for (std::size_t at : {kEth, kEth + kIp}) {
        if (frame.size() < at) continue;
        const base::Bytes inner = frame.subspan(at);
        if (auto q = ip::parse_ipv4_quoted(inner)) t.within(q->payload, inner);
        transport(t, inner, 0xc0000201, 0xc0000202);
    }
}

}  // namespace

TEST_CASE("fuzz: mutated and truncated real packets never crash any parser") {
    const Buf seeds[] = {copy(captured::kArpRequest),      copy(captured::kArpReply),
                         copy(captured::kEchoRequest),     copy(captured::kEchoReply),
                         copy(captured::kFragmentHeader),  copy(captured::kTcpSyn),
                         copy(captured::kTcpSynAck),       copy(captured::kTcpData),
                         copy(captured::kUdpDatagram),     copy(captured::kPortUnreachable)};
    std::mt19937 rng(20240611);  // fixed seed: a failure reproduces
    Tally t;
    for (const Buf& seed : seeds) {
        for (int round = 0; round < 1500; ++round) {
            Buf b = seed;
            const int mutations = 1 + static_cast<int>(rng() % 4);
            for (int m = 0; m < mutations; ++m) mutate(b, rng);
            // An exact-size heap copy, so ASan flags a read one past the end.
            auto exact = std::make_unique<std::uint8_t[]>(b.size());
            std::copy(b.begin(), b.end(), exact.get());
            parse_everything(t, base::Bytes(exact.get(), b.size()));
        }
    }
    CHECK(t.escaped == 0);
    CHECK(t.empty_dump == 0);
    CHECK(t.parsed > 10000);
}

TEST_CASE("fuzz: every truncation of every real packet is handled") {
    Tally t;
    for (const Buf& seed : {copy(captured::kArpRequest), copy(captured::kEchoRequest),
                            copy(captured::kTcpSyn), copy(captured::kTcpData),
                            copy(captured::kUdpDatagram), copy(captured::kPortUnreachable)}) {
        for (std::size_t n = 0; n <= seed.size(); ++n) {
            auto exact = std::make_unique<std::uint8_t[]>(n);
            std::copy_n(seed.begin(), n, exact.get());
            parse_everything(t, base::Bytes(exact.get(), n));
        }
    }
    CHECK(t.escaped == 0);
    CHECK(t.empty_dump == 0);
}
