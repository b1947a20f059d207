// SYN cookies (RFC 4987 3.3): the pure encode/decode of tcp/syn_cookie.hpp,
// the secrets' rotation, and the SYN-ACK built without a connection.
#include <doctest/doctest.h>

#include "tcp/syn_cookie.hpp"

using namespace tcp;

namespace {
const cookie::Key kKey{0x0123456789abcdefull, 0xfedcba9876543210ull};
const Tuple kT{0x0a000002, 80, 0x0a000001, 40000};

Header syn(Seq isn, std::uint16_t mss, bool ts, bool ws, bool sack) {
    Header h;
    h.src_port = kT.remote_port;
    h.dst_port = kT.local_port;
    h.seq = isn;
    h.flags = flag::SYN;
    h.window = 65535;
    h.options.mss = mss;
    if (ws) h.options.wscale = 7;
    h.options.sack_permitted = sack;
    if (ts) h.options.timestamps = Timestamps{12345, 0};
    return h;
}

// The peer's ACK of a SYN-ACK: ACK = ISS + 1, SEQ = its ISN + 1, TSecr = our TSval.
Header ack_of(const Header& syn_h, const Header& syn_ack) {
    Header h;
    h.src_port = syn_h.src_port;
    h.dst_port = syn_h.dst_port;
    h.seq = syn_h.seq + 1;
    h.ack = syn_ack.seq + 1;
    h.flags = flag::ACK;
    h.window = 1000;
    if (syn_ack.options.timestamps)
        h.options.timestamps = Timestamps{12346, syn_ack.options.timestamps->val};
    return h;
}
}  // namespace

TEST_CASE("syn cookie: the MSS class is the largest table entry at or below the peer's MSS") {
    CHECK(cookie::mss_index(100) == 0);
    CHECK(cookie::mss_index(536) == 0);
    CHECK(cookie::mss_index(1299) == 0);
    CHECK(cookie::mss_index(1300) == 1);
    CHECK(cookie::mss_index(1459) == 2);
    CHECK(cookie::mss_index(1460) == 3);
    CHECK(cookie::mss_index(9000) == 3);
}

TEST_CASE("syn cookie: encode/decode round trip; any other tuple, ISN or counter fails") {
    const Seq c = cookie::encode(kKey, kT, 1000, 7, 2);
    CHECK((c & 7) == 2);
    CHECK(((c >> 3) & 31) == 7);
    CHECK(cookie::decode(kKey, kT, 1000, 7, c) == std::optional<std::uint8_t>(2));
    CHECK(!cookie::decode(kKey, kT, 1001, 7, c));
    CHECK(!cookie::decode(kKey, {kT.local_ip, 80, kT.remote_ip, 40001}, 1000, 7, c));
    CHECK(!cookie::decode(kKey, kT, 1000, 8, c));
    CHECK(!cookie::decode({1, 2}, kT, 1000, 7, c));
    CHECK(!cookie::decode(kKey, kT, 1000, 7, c ^ 0x100));  // one hash bit
    CHECK(!cookie::decode(kKey, kT, 1000, 7, (c & ~7u) | 5));  // no MSS class 5
}

TEST_CASE("syn cookie: the counter's low bits extend to the latest counter at or below now") {
    const Seq c = cookie::encode(kKey, kT, 1, 33, 0);  // low bits 1
    CHECK(cookie::counter_of(c, 33) == 33);
    CHECK(cookie::counter_of(c, 34) == 33);
    CHECK(cookie::counter_of(c, 35) == 33);
    CHECK(cookie::counter_of(c, 64) == 33);
    CHECK(cookie::counter_of(c, 65) == 65);
}

TEST_CASE("syn cookie: options in TSval's low bits, never above the clock") {
    for (std::uint32_t clock : {0u, 31u, 32u, 1000u, 0xffffffffu}) {
        const cookie::TsOptions o{7, true};
        const std::uint32_t v = cookie::encode_ts(clock, o);
        CHECK(!seq_gt(v, clock));
        CHECK(clock - v < 64);
        auto d = cookie::decode_ts(v);
        REQUIRE(d);
        CHECK(d->wscale == std::optional<std::uint8_t>(7));
        CHECK(d->sack);
    }
    auto none = cookie::decode_ts(cookie::encode_ts(5000, {}));
    REQUIRE(none);
    CHECK(!none->wscale);
    CHECK(!none->sack);
    auto ws14 = cookie::decode_ts(0xe);  // a shift of 14 is the largest (RFC 7323 2.3)
    REQUIRE(ws14);
    CHECK(ws14->wscale == std::optional<std::uint8_t>(14));
}

TEST_CASE("syn cookie: SynCookies accepts the current and previous period, not older") {
    SynCookies jar(kKey);
    const Config cfg;
    const Header s = syn(5000, 1460, true, true, true);
    const Time t0 = 10s;
    Header sa = cookie_syn_ack(cfg, s, jar.make(kT, s, t0), t0);
    const Header a = ack_of(s, sa);
    auto o = jar.check(kT, a, cfg, t0 + 1s);
    REQUIRE(o);
    CHECK(o->mss == 1460);
    CHECK(o->wscale == std::optional<std::uint8_t>(7));
    CHECK(o->sack);
    CHECK(o->timestamps);
    CHECK(jar.check(kT, a, cfg, t0 + cookie::kPeriod));  // previous period: still good
    CHECK(!jar.check(kT, a, cfg, 2 * cookie::kPeriod));  // rotated twice: refused
    // Rotation is by the time passed in only: a later SYN gets a fresh cookie.
    const Time t1 = 10 * cookie::kPeriod;
    sa = cookie_syn_ack(cfg, s, jar.make(kT, s, t1), t1);
    CHECK(jar.check(kT, ack_of(s, sa), cfg, t1 + 30s));
    CHECK(!jar.check(kT, ack_of(s, sa), cfg, t1 + 2 * cookie::kPeriod));
    // A wrong cookie, a wrong ISN.
    Header bad = ack_of(s, sa);
    bad.ack += 8;
    CHECK(!jar.check(kT, bad, cfg, t1));
    bad = ack_of(s, sa);
    bad.seq += 1;
    CHECK(!jar.check(kT, bad, cfg, t1));
}

TEST_CASE("syn cookie: the SYN-ACK offers WS and SACK only with timestamps") {
    const Config cfg;
    SynCookies jar(kKey);
    {
        const Header s = syn(1, 1400, true, true, true);
        const Header sa = cookie_syn_ack(cfg, s, jar.make(kT, s, 0s), 0s);
        CHECK(sa.flags == (flag::SYN | flag::ACK));
        CHECK(sa.ack == 2);
        CHECK(sa.src_port == 80);
        CHECK(sa.dst_port == 40000);
        CHECK(sa.options.mss == std::optional<std::uint16_t>(cfg.mss));
        CHECK(sa.options.wscale.has_value());
        CHECK(sa.options.sack_permitted);
        REQUIRE(sa.options.timestamps);
        CHECK(sa.options.timestamps->ecr == 12345);
        auto o = jar.check(kT, ack_of(s, sa), cfg, 1s);
        REQUIRE(o);
        CHECK(o->mss == 1300);  // 1400's class
    }
    {
        const Header s = syn(1, 1460, false, true, true);
        const Header sa = cookie_syn_ack(cfg, s, jar.make(kT, s, 0s), 0s);
        CHECK(!sa.options.wscale);
        CHECK(!sa.options.sack_permitted);
        CHECK(!sa.options.timestamps);
        auto o = jar.check(kT, ack_of(s, sa), cfg, 1s);
        REQUIRE(o);
        CHECK(!o->wscale);
        CHECK(!o->sack);
        CHECK(!o->timestamps);
    }
    {
        const Header s = syn(1, 1460, true, false, false);
        const Header sa = cookie_syn_ack(cfg, s, jar.make(kT, s, 0s), 0s);
        CHECK(!sa.options.wscale);
        CHECK(!sa.options.sack_permitted);
        auto o = jar.check(kT, ack_of(s, sa), cfg, 1s);
        REQUIRE(o);
        CHECK(!o->wscale);
        CHECK(!o->sack);
        CHECK(o->timestamps);
    }
}
