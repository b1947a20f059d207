// Reassembly of received IPv4 fragments (RFC 791 3.2, RFC 1122 3.3.2).
//
// Each datagram in progress is keyed by (source, destination, protocol,
// identification) and keeps the data received so far as non-overlapping
// pieces; the gaps between them are RFC 815's "holes". The datagram is whole
// when the last fragment (MF = 0) has fixed its length and the pieces cover
// every byte up to it.
//
// Overlaps keep the first copy. A later fragment may fill gaps, but never
// rewrites a byte already accepted: RFC 5722 (for IPv6) explains why overlaps
// are dangerous -- a firewall and the host may reassemble overlapping data
// differently, so an attacker can show each a different TCP header. IPv6
// drops such datagrams; for IPv4, where retransmissions with different
// fragmentation are legal (RFC 1122 3.3.2), we keep the bytes that came
// first, so what the host sees is fixed the moment it arrives.
//
// Memory is bounded across all datagrams (bytes, bookkeeping included, and a
// count). A fragment that would exceed either bound first evicts the oldest
// incomplete datagrams (RFC 1122 3.3.2 leaves the policy to the host): after
// a flood of fragments that never complete, the next real datagram still
// gets in at once, where a host that only refused new fragments would stay
// shut until the flood's datagrams time out. Only a fragment that cannot fit
// even in an empty table is dropped; nothing grows past the bounds.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "ip/ipv4.hpp"

namespace ip {

// Passed in by the caller; nothing here reads a clock.
using base::Time;

struct ReassemblyLimits {
    // RFC 1122 3.3.2 recommends a fixed timeout (not the TTL) of 60 to 120 s;
    // we use Linux's 30 s (ipfrag_time): fragments of one datagram arrive
    // within milliseconds on the links we run on, a shorter wait frees a
    // flood's memory sooner, and RFC 4963 shows long timeouts let the 16-bit
    // IP ID wrap and splice fragments of different datagrams together.
    Time timeout = std::chrono::seconds(30);
    std::size_t max_bytes = 256 * 1024;  // across all datagrams in progress
    std::size_t max_datagrams = 64;      // in progress at once
};

struct ReassemblyCounters {
    std::uint64_t fragments = 0;      // offered to add()
    std::uint64_t reassembled = 0;    // datagrams completed
    std::uint64_t timed_out = 0;      // datagrams discarded by the timer
    std::uint64_t no_memory = 0;      // fragments dropped by a bound (nothing left to evict)
    std::uint64_t evicted = 0;        // incomplete datagrams dropped to make room
    std::uint64_t malformed = 0;      // bad length, or contradicts the datagram's end
    std::uint64_t too_long = 0;       // would exceed 65535 bytes (RFC 791 3.1)
    std::uint64_t overlapping = 0;    // carried bytes we already had (those were ignored)
};

class Reassembler {
public:
    // Given the quote for an ICMP Time Exceeded, code 1 (the first
    // fragment's header and its first 8 data bytes), when a datagram whose
    // first fragment had arrived times out (RFC 1122 3.3.2, RFC 792).
    using TimeExceeded = std::function<void(base::Bytes quote)>;

    explicit Reassembler(ReassemblyLimits limits = {}, TimeExceeded on_time_exceeded = {});

    // One received fragment (MF set or offset non-zero), already parsed and
    // its header checksum verified. Returns the whole datagram -- the first
    // fragment's header with MF and offset cleared, the length and checksum
    // recomputed, then all the data -- when this fragment completes it.
    std::optional<std::vector<std::uint8_t>> add(const Ipv4View& fragment, Time now);

    // Discards datagrams whose time is up.
    void on_timer(Time now);
    // The earliest time on_timer() has work, for the event loop's timer.
    std::optional<Time> next_deadline() const;

    std::size_t bytes_in_use() const { return bytes_; }
    std::size_t in_progress() const { return datagrams_.size(); }
    const ReassemblyLimits& limits() const { return limits_; }
    const ReassemblyCounters& counters() const { return counters_; }

private:
    struct Key {
        std::uint32_t src = 0, dst = 0;
        std::uint8_t protocol = 0;
        std::uint16_t id = 0;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept;
    };
    struct Datagram {
        Time deadline{};
        std::map<std::size_t, std::vector<std::uint8_t>> pieces;  // offset -> data, disjoint
        std::size_t received = 0;              // data bytes held in pieces
        std::optional<std::size_t> length;     // data length, known from the last fragment
        std::optional<Ipv4Header> first;       // of the offset-0 fragment, once it came
        std::vector<std::uint8_t> first_options;
        std::size_t charged = 0;               // bytes counted against max_bytes
    };
    // A range of the fragment's data that no piece holds yet.
    struct Gap {
        std::size_t begin, end;
    };

    using Table = std::unordered_map<Key, Datagram, KeyHash>;

    // RFC 791 3.2 and 3.1: a fragment's length and its end; counts and logs
    // (`what`) a fragment that is neither.
    bool well_formed(const Ipv4View& fragment, std::size_t end, const std::string& what);
    // The datagram, removed from the table, once every byte is held.
    std::optional<std::vector<std::uint8_t>> take_if_whole(Table::iterator it,
                                                           const std::string& what);
    static std::vector<Gap> gaps(const Datagram& d, std::size_t begin, std::size_t end);
    static bool contradicts_end(const Datagram& d, std::size_t end, bool last);
    static std::vector<std::uint8_t> assemble(const Datagram& d);
    static std::vector<std::uint8_t> time_exceeded_quote(const Datagram& d);
    Table::iterator discard(Table::iterator it);
    // Drops the incomplete datagram that started first (but `keep`); false
    // if there is none.
    bool evict_oldest(const Key& keep);

    ReassemblyLimits limits_;
    TimeExceeded on_time_exceeded_;
    Table datagrams_;
    std::size_t bytes_ = 0;
    ReassemblyCounters counters_;
};

}  // namespace ip
