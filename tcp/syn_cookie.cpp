#include "tcp/syn_cookie.hpp"

#include <algorithm>

#include "base/bytes.hpp"
#include "tcp/connection_impl.hpp"
#include "tcp/isn.hpp"

namespace tcp {

namespace cookie {

namespace {
constexpr std::uint32_t kMssMask = (1u << kMssBits) - 1;
constexpr std::uint32_t kCounterMask = (1u << kCounterBits) - 1;
constexpr std::uint32_t kLowBits = kMssBits + kCounterBits;
constexpr std::uint32_t kTsMask = (1u << kTsBits) - 1;
constexpr std::uint32_t kSackBit = 1u << 4;

std::uint32_t hash(const Key& k, const Tuple& t, Seq peer_isn, std::uint32_t counter) {
    std::uint8_t m[20];
    base::put_u32(m, t.local_ip);
    base::put_u16(m + 4, t.local_port);
    base::put_u32(m + 6, t.remote_ip);
    base::put_u16(m + 10, t.remote_port);
    base::put_u32(m + 12, peer_isn);
    base::put_u32(m + 16, counter);
    return static_cast<std::uint32_t>(siphash24(k, m, sizeof m));
}
}  // namespace

std::uint32_t counter_at(Time now) {
    return static_cast<std::uint32_t>(now.count() / Duration(kPeriod).count());
}

std::uint8_t mss_index(std::uint16_t peer_mss) {
    std::uint8_t i = kMssTable.size() - 1;
    while (i > 0 && peer_mss < kMssTable[i]) --i;
    return i;
}

Seq encode(const Key& k, const Tuple& t, Seq peer_isn, std::uint32_t counter,
           std::uint8_t mss_idx) {
    return (hash(k, t, peer_isn, counter) & ~((1u << kLowBits) - 1)) |
           ((counter & kCounterMask) << kMssBits) | (mss_idx & kMssMask);
}

std::uint32_t counter_of(Seq cookie, std::uint32_t now_counter) {
    const std::uint32_t low = (cookie >> kMssBits) & kCounterMask;
    return now_counter - ((now_counter - low) & kCounterMask);
}

std::optional<std::uint8_t> decode(const Key& k, const Tuple& t, Seq peer_isn,
                                   std::uint32_t counter, Seq cookie) {
    const std::uint8_t idx = cookie & kMssMask;
    if (idx >= kMssTable.size()) return std::nullopt;
    if (encode(k, t, peer_isn, counter, idx) != cookie) return std::nullopt;
    return idx;
}

std::uint32_t encode_ts(std::uint32_t ts_clock, const TsOptions& o) {
    const std::uint32_t bits = (o.wscale ? std::min<std::uint8_t>(*o.wscale, 14) : kNoWscale) |
                               (o.sack ? kSackBit : 0);
    std::uint32_t v = (ts_clock & ~kTsMask) | bits;
    // RFC 7323 5.5: TSvals must not go backwards; the connection's next one
    // is ts_clock or later, so stay at or below it (as Linux does).
    if (seq_gt(v, ts_clock)) v -= kTsMask + 1;
    return v;
}

std::optional<TsOptions> decode_ts(std::uint32_t tsecr) {
    TsOptions o;
    const std::uint32_t ws = tsecr & 0xf;
    if (ws != kNoWscale) o.wscale = static_cast<std::uint8_t>(ws);  // 0..14
    o.sack = tsecr & kSackBit;
    return o;
}

}  // namespace cookie

SynCookies::SynCookies(const cookie::Key& master) : master_(master) {
    current_ = derive(0);
    previous_ = current_;  // counter 0 has no predecessor: both name period 0
}

SynCookies::Secret SynCookies::derive(std::uint32_t counter) const {
    // Each period's secret is a keyed hash of its counter (domain-separated
    // from the ISN generator's use of SipHash by the "cookie" tag).
    std::uint8_t m[11] = {'c', 'o', 'o', 'k', 'i', 'e', 0};
    base::put_u32(m + 7, counter);
    Secret s;
    s.counter = counter;
    s.key[0] = siphash24(master_, m, sizeof m);
    m[6] = 1;
    s.key[1] = siphash24(master_, m, sizeof m);
    return s;
}

void SynCookies::rotate(Time now) {
    const std::uint32_t c = cookie::counter_at(now);
    if (c == current_.counter) return;
    previous_ = c == current_.counter + 1 ? current_ : derive(c - 1);
    current_ = derive(c);
}

Seq SynCookies::make(const Tuple& t, const Header& syn, Time now) {
    rotate(now);
    const std::uint8_t idx = cookie::mss_index(syn.options.mss.value_or(536));
    return cookie::encode(current_.key, t, syn.seq, current_.counter, idx);
}

std::optional<CookieOptions> SynCookies::check(const Tuple& t, const Header& ack,
                                               const Config& cfg, Time now) {
    rotate(now);
    const Seq c = ack.ack - 1;
    const std::uint32_t counter = cookie::counter_of(c, current_.counter);
    const Secret* s = counter == current_.counter    ? &current_
                      : counter == previous_.counter ? &previous_
                                                     : nullptr;
    if (!s) return std::nullopt;  // more than two periods old
    const auto idx = cookie::decode(s->key, t, ack.seq - 1, counter, c);
    if (!idx) return std::nullopt;
    CookieOptions o;
    o.mss = cookie::kMssTable[*idx];
    // Our SYN-ACK carried timestamps only if the SYN did and we allow them;
    // an ACK without them gets none of the options (as Linux).
    if (cfg.timestamps && ack.options.timestamps) {
        const auto ts = cookie::decode_ts(ack.options.timestamps->ecr);
        if (!ts) return std::nullopt;
        o.timestamps = ack.options.timestamps;
        if (cfg.window_scale) o.wscale = ts->wscale;
        o.sack = cfg.sack && ts->sack;
    }
    return o;
}

Header cookie_syn_ack(const Config& cfg, const Header& syn, Seq cookie, Time now) {
    // RFC 9293 3.10.7.2: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, ISS the cookie.
    Header h;
    h.src_port = syn.dst_port;
    h.dst_port = syn.src_port;
    h.seq = cookie;
    h.ack = syn.seq + 1;
    h.flags = flag::SYN | flag::ACK;
    // RFC 7323 2.2: the window in a SYN is never scaled.
    h.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(std::max<std::uint32_t>(cfg.recv_buffer, 1), 0xffff));
    h.options.mss = cfg.mss;
    const Options& in = syn.options;
    if (cfg.timestamps && in.timestamps) {
        cookie::TsOptions o;
        if (cfg.window_scale && in.wscale) {
            o.wscale = in.wscale;
            h.options.wscale = wscale_for(cfg.recv_buffer);
        }
        if (cfg.sack && in.sack_permitted) {
            o.sack = true;
            h.options.sack_permitted = true;
        }
        // The TSval clock the connection will use (ConnectionImpl::ts_now).
        const auto clock = static_cast<std::uint32_t>(now.count() / 1000) + cookie;
        h.options.timestamps = Timestamps{cookie::encode_ts(clock, o), in.timestamps->val};
    }
    return h;
}

}  // namespace tcp
