// Per-stack counters: what came in, what went out, and why packets were
// dropped. Read with Stack::counters(); printed by `--stats`.
#pragma once
#include <array>
#include <cstdint>
#include <ostream>

#include "base/parse.hpp"

namespace stack {

struct Counters {
    std::uint64_t packets_in = 0, packets_out = 0;
    std::uint64_t bytes_in = 0, bytes_out = 0;
    std::uint64_t send_errors = 0;             // the device refused a packet
    // Malformed, by the parser's reason (DESIGN.md rule 1).
    std::array<std::uint64_t, static_cast<std::size_t>(base::ParseError::Count)> malformed{};
    std::uint64_t not_tcp = 0;                 // another protocol on this device
    std::uint64_t fragments = 0;               // we do not reassemble (raw mode: the kernel does)
    std::uint64_t bad_destination = 0;         // broadcast/multicast (RFC 1122 4.2.3.10)
    std::uint64_t not_ours = 0;                // raw mode: ports the kernel or others own
    std::uint64_t own_looped_back = 0;         // raw mode on loopback: our own packets, seen again
    std::uint64_t to_connection = 0;           // delivered to a connection
    std::uint64_t to_listener = 0;             // delivered to a listener
    std::uint64_t resets_sent = 0;             // RFC 9293 3.10.7.1 replies
    std::uint64_t syn_dropped_backlog = 0;     // SYN or accept queue full
    std::uint64_t connections_opened = 0, connections_closed = 0;

    std::uint64_t malformed_total() const {
        std::uint64_t n = 0;
        for (auto v : malformed) n += v;
        return n;
    }
};

inline std::ostream& operator<<(std::ostream& os, const Counters& c) {
    os << "packets in " << c.packets_in << " (" << c.bytes_in << " bytes), out " << c.packets_out
       << " (" << c.bytes_out << " bytes), send errors " << c.send_errors << "; to connections "
       << c.to_connection << ", to listeners " << c.to_listener << ", not ours " << c.not_ours << ", our own looped back " << c.own_looped_back
       << ", not TCP " << c.not_tcp << ", fragments " << c.fragments << ", bad destination "
       << c.bad_destination << "; RSTs sent " << c.resets_sent << ", SYNs dropped (backlog) "
       << c.syn_dropped_backlog << "; connections opened " << c.connections_opened
       << ", closed " << c.connections_closed << "; malformed " << c.malformed_total();
    for (std::size_t i = 1; i < c.malformed.size(); ++i)
        if (c.malformed[i])
            os << ", " << base::to_string(static_cast<base::ParseError>(i)) << " " << c.malformed[i];
    return os;
}

}  // namespace stack
