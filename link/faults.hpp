// Fault injection as a link-layer piece that any device can put in front of
// its send or receive path (the idea of smoltcp's fault_injector): so the same
// --drop/--delay/... flags work in every link mode, and the in-memory link of
// the simulation tests (link/sim.hpp) is just two of these.
//
// A FaultInjector takes packets with the current time and hands them back
// when their delivery time has come: lost, late, out of order, twice, or with
// a byte flipped. Its decisions come from its own seeded RNG, so a run with a
// given seed is exactly repeatable. It never reads a clock.
//
//   l2::FaultInjector tx(cfg, "tx");
//   tx.push(frame, now);                        // instead of sending at once
//   while (tx.pop(now, buf)) device.send(buf);  // when now >= *tx.next_deadline()
//
// The namespace is `l2` (the link layer), not `link`: <unistd.h> declares ::link(), and a
// namespace of the same name does not compile next to it.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "link/device.hpp"

namespace l2 {

using base::Time;

struct FaultConfig {
    double drop_pct = 0;                // each packet lost with this chance, 0..100
    std::set<std::uint64_t> drop_nth;   // 1-based numbers of packets to lose
    double duplicate_pct = 0;           // delivered twice
    double reorder_pct = 0;             // held back an extra (0, reorder_jitter]
    Time reorder_jitter = std::chrono::milliseconds(10);
    double corrupt_pct = 0;             // one byte XORed with a random non-zero value
    Time delay{0};                      // one-way propagation delay
    std::uint64_t bandwidth = 0;        // bytes per second; 0 = no serialization time
    // The bottleneck buffer: packets waiting for or in transmission beyond
    // this many are tail-dropped. Only a bandwidth limit makes packets wait,
    // so without one nothing overflows. 0 = unlimited.
    std::size_t queue_limit = 0;
    std::optional<std::uint64_t> seed;  // none: seeded from std::random_device

    bool any() const;  // does anything other than pass packets straight on
};

// One line for the start-up log: "drop 2% delay 20ms seed 7", or "none".
std::string describe(const FaultConfig& cfg);

// The user-facing flags, for the apps to register in a loop.
struct FaultOption {
    std::string_view name;  // "drop" for --drop
    std::string_view arg;   // "PCT"
    std::string_view help;
};
extern const std::array<FaultOption, 10> kFaultOptions;

// Sets the field behind flag `name` from its text. Returns an error message
// ("--drop: 120 is not a percentage in 0..100"), or an empty string.
std::string set_fault_option(FaultConfig& cfg, std::string_view name, std::string_view value);

// The parsers behind set_fault_option; nullopt on bad input.
std::optional<double> parse_percent(std::string_view text);           // "2.5"
std::optional<std::set<std::uint64_t>> parse_index_list(std::string_view text);  // "1,5,9"
std::optional<Time> parse_millis(std::string_view text);              // "20" or "0.5"
std::optional<std::uint64_t> parse_unsigned(std::string_view text);   // "12345"

struct FaultCounters {
    std::uint64_t packets = 0;      // offered to push()
    std::uint64_t dropped = 0;      // lost at random (drop_pct)
    std::uint64_t dropped_nth = 0;  // lost by number (drop_nth)
    std::uint64_t overflowed = 0;   // tail-dropped at a full queue
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t corrupted = 0;    // copies with a flipped byte
    std::uint64_t delayed = 0;      // held before going out (--delay, --bandwidth, --reorder)
    std::uint64_t delivered = 0;    // copies handed out by pop()
};

class FaultInjector {
public:
    // `name` prefixes the debug log lines ("A->B", "tx").
    explicit FaultInjector(FaultConfig cfg, std::string name = "faults");

    // Offers one packet at `now`. Returns how many copies were queued for
    // delivery: 0 (lost), 1, or 2 (duplicated).
    // `gso_size`: a TSO super-packet (l2::Device::send_gso), judged as one
    // packet: dropped, delayed or duplicated whole. Its TCP checksum is
    // partial (link/gso_checksum.hpp); a copy to be corrupted is cut into
    // its pieces first (link/gso), each whole, and one of them damaged.
    int push(base::Bytes packet, Time now, std::uint16_t gso_size = 0);

    // Moves the next packet due at `now` into `out` and returns its delivery
    // time (<= now); nullopt if none is due. Packets come out in order of
    // delivery time, ties in the order they were pushed. `out`'s old buffer
    // is kept for reuse, so a loop over pop() allocates nothing.
    // `gso_size` (if given) gets the packet's: 0 for a plain packet and
    // for each piece of a corrupted super-packet, so the receiver's RFC
    // 9293 3.1 check catches the damage in the one piece that has it.
    std::optional<Time> pop(Time now, std::vector<std::uint8_t>& out,
                            std::uint16_t* gso_size = nullptr);

    std::optional<Time> next_deadline() const;  // earliest pending delivery
    std::size_t pending() const { return queue_.size(); }
    const FaultCounters& counters() const { return counters_; }
    const FaultConfig& config() const { return cfg_; }
    // Tests change faults mid-run ("drop the next packet").
    FaultConfig& config() { return cfg_; }
    // What the packets are (the sim's link and AF_PACKET/TAP: Ethernet), so
    // that a super-packet's partial checksum can be found and finished.
    void set_framing(Framing f) { framing_ = f; }

private:
    struct Pending {
        Time at;
        std::uint64_t order;  // breaks ties in push order
        std::vector<std::uint8_t> bytes;
        std::uint16_t gso_size = 0;
    };
    static bool later(const Pending& a, const Pending& b);

    bool chance(double pct);
    void enqueue(base::Bytes packet, Time at, std::uint64_t number, std::uint16_t gso_size);
    void put(base::Bytes packet, Time at, std::uint16_t gso_size, bool corrupt, std::uint64_t number);
    Time transmission_time(std::size_t bytes) const;

    FaultConfig cfg_;
    std::string name_;
    std::mt19937_64 rng_;
    FaultCounters counters_;
    std::vector<Pending> queue_;                 // a min-heap on (at, order)
    std::vector<std::vector<std::uint8_t>> spare_;  // buffers to reuse
    std::vector<std::uint8_t> piece_;               // segment_tcp's scratch
    std::deque<Time> backlog_;                   // when each queued packet finishes transmission
    Time busy_until_{0};                         // the link is sending until then
    std::uint64_t next_order_ = 0;
    Framing framing_ = Framing::Ethernet;
};

}  // namespace l2
