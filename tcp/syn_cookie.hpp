// SYN cookies (RFC 4987 3.3), the way Linux does them: when a listener's SYN
// queue is full, the SYN is answered with a SYN-ACK whose ISS encodes what
// the connection needs, and nothing is kept. The returning ACK (SEG.ACK =
// cookie + 1) proves the peer saw our SYN-ACK; the connection is created
// from the ACK alone.
//
// The cookie, our ISS:
//
//   31                                  8 7           3 2       0
//  +-------------------------------------+-------------+---------+
//  | keyed hash of the 4-tuple, the      | time counter | MSS     |
//  | peer's ISN and the time counter     | (low 5 bits) | class   |
//  +-------------------------------------+-------------+---------+
//
// The time counter ticks every kPeriod (64 s) of the time passed in; the
// secret of the hash is rotated with it, the current and the previous one
// kept. A cookie is valid while its counter is the current or the previous
// one: between one and two periods.
//
// RFC 4987 3.3: the cookie has room for little. Like Linux, window scale and
// SACK-permitted survive only if timestamps are negotiated: they ride in the
// low bits of our TSval and come back in the ACK's TSecr (RFC 7323 3.2).
// Without timestamps the connection runs without them.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "tcp/connection.hpp"
#include "tcp/segment.hpp"
#include "tcp/types.hpp"

namespace tcp {

namespace cookie {

using Key = std::array<std::uint64_t, 2>;

constexpr Duration kPeriod = 64s;
constexpr unsigned kMssBits = 3;
constexpr unsigned kCounterBits = 5;
// The MSS classes, as Linux's msstab: the largest at or below the peer's
// MSS is taken (536 if it offered less).
constexpr std::array<std::uint16_t, 4> kMssTable{536, 1300, 1440, 1460};
// Low bits of TSval: 4 bits of the peer's window scale (15: none), then
// SACK-permitted.
constexpr unsigned kTsBits = 5;
constexpr std::uint32_t kNoWscale = 0xf;

std::uint32_t counter_at(Time now);
std::uint8_t mss_index(std::uint16_t peer_mss);
// The cookie for (t, peer_isn) at `counter` with MSS class `mss_idx`.
Seq encode(const Key& k, const Tuple& t, Seq peer_isn, std::uint32_t counter,
           std::uint8_t mss_idx);
// The counter a cookie names, given the current one: its low bits extended
// to the latest counter at or below `now_counter`.
std::uint32_t counter_of(Seq cookie, std::uint32_t now_counter);
// The MSS class of a cookie made with `k` at `counter`, if the hash matches.
std::optional<std::uint8_t> decode(const Key& k, const Tuple& t, Seq peer_isn,
                                   std::uint32_t counter, Seq cookie);

struct TsOptions {
    std::optional<std::uint8_t> wscale;  // the peer's shift
    bool sack = false;
};
// TSval with the options in its low bits, never above `ts_clock` (so that
// the connection's later TSvals do not go backwards, RFC 7323 5.5).
std::uint32_t encode_ts(std::uint32_t ts_clock, const TsOptions& o);
// The options back from the ACK's TSecr (every 5-bit value is one).
std::optional<TsOptions> decode_ts(std::uint32_t tsecr);

}  // namespace cookie

// What the ACK of a valid cookie gives the new connection.
struct CookieOptions {
    std::uint16_t mss = 536;             // the peer's, as its class
    std::optional<std::uint8_t> wscale;  // the peer's shift; only with timestamps
    bool sack = false;                   // only with timestamps
    std::optional<Timestamps> timestamps;  // the ACK's
};

// The host's cookie secrets: current and previous, rotated by the time
// passed in (no clock read, docs/design.md rule 3). Each period's secret is
// derived from the master key the caller draws at random.
class SynCookies {
public:
    explicit SynCookies(const cookie::Key& master);

    // The ISS for the SYN-ACK answering `syn` on t.
    Seq make(const Tuple& t, const Header& syn, Time now);
    // The ACK of a cookie SYN-ACK: what the connection needs, or nullopt
    // (wrong hash, counter older than the previous period, bad TSecr bits).
    std::optional<CookieOptions> check(const Tuple& t, const Header& ack, const Config& cfg,
                                       Time now);

private:
    struct Secret {
        std::uint32_t counter = 0;
        cookie::Key key{};
    };
    void rotate(Time now);
    Secret derive(std::uint32_t counter) const;

    cookie::Key master_;
    Secret current_, previous_;
};

// RFC 4987 3.3: the SYN-ACK for `syn` with ISS `cookie`, built without a
// connection: our MSS, and window scale, SACK-permitted and timestamps only
// as the rules above allow.
Header cookie_syn_ack(const Config& cfg, const Header& syn, Seq cookie, Time now);

}  // namespace tcp
