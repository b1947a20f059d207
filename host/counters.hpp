// Per-stack counters: what came in, what went out, and why packets were
// dropped. Read with Host::counters() (Stack::counters() in an application); printed by `--stats`.
#pragma once
#include <array>
#include <cstdint>
#include <ostream>

#include "base/parse.hpp"

namespace host {

struct Counters {
    std::uint64_t packets_in = 0, packets_out = 0;
    std::uint64_t bytes_in = 0, bytes_out = 0;
    std::uint64_t send_errors = 0;             // the device refused a packet
    // Malformed, by the parser's reason (docs/design.md, rule 1).
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
    std::uint64_t syn_cookies_sent = 0;        // RFC 4987 3.3: SYN-ACKs with a cookie (SYN queue full)
    std::uint64_t syn_cookies_valid = 0;       // ACKs to a listener that returned one
    std::uint64_t syn_cookies_invalid = 0;     // checked for one and not returning it (RST)
    std::uint64_t connections_opened = 0, connections_closed = 0;
    std::uint64_t time_wait_reused = 0;        // a new SYN ended TIME-WAIT (RFC 6191)

    // Packet/tap mode: the stack as a whole host.
    std::uint64_t frames_not_ours = 0;         // Ethernet frames to another MAC, other EtherTypes
    std::uint64_t arp_in = 0;                  // ARP packets handed to the cache
    std::uint64_t not_for_us = 0;              // IPv4 to an address that is not ours, not forwarding
    // --forward (RFC 1812): datagrams routed between our interfaces.
    std::uint64_t forwarded = 0;               // sent on toward their destination
    std::uint64_t forward_fragmented = 0;      // of those, fragmented to the next link's MTU (5.2.6)
    std::uint64_t forward_ttl_exceeded = 0;    // TTL ran out: Time Exceeded (5.3.1)
    std::uint64_t forward_no_route = 0;        // Network Unreachable (5.2.7.1)
    std::uint64_t forward_frag_needed = 0;     // DF and too big: Fragmentation Needed (RFC 1191 4)
    std::uint64_t forward_host_unreachable = 0;  // the next hop did not answer ARP (5.2.7.1)
    std::uint64_t forward_refused = 0;         // martians and broadcasts (5.3.4, 5.3.5, 5.3.7)
    std::uint64_t no_route = 0;                // datagrams we could not route
    std::uint64_t arp_dropped = 0;             // refused by a full ARP queue
    std::uint64_t arp_unresolved = 0;          // waited for a neighbour that never answered
    std::uint64_t reassembled = 0;             // datagrams rebuilt from fragments
    std::uint64_t reassembly_dropped = 0;      // fragments refused (malformed, too long, no room)
    std::uint64_t reassembly_evicted = 0;      // incomplete datagrams evicted to make room
    std::uint64_t reassembly_timed_out = 0;    // datagrams never completed
    std::uint64_t reassembly_bytes = 0;        // held right now (bounded)
    std::uint64_t fragments_out = 0;           // fragments of our own datagrams sent
    std::uint64_t icmp_in = 0, icmp_out = 0;
    std::uint64_t echo_replies = 0;            // answers to ping
    std::uint64_t icmp_errors_in = 0;          // delivered to a connection or socket
    std::uint64_t pmtu_lowered = 0;            // a path MTU estimate dropped (RFC 1191)
    std::uint64_t pmtu_ignored = 0;            // fragmentation needed quoting nothing in flight (RFC 5927)
    std::uint64_t icmp_errors_sent = 0;        // unreachable, time exceeded
    std::uint64_t icmp_errors_suppressed = 0;  // RFC 1122 3.2.2 said not to send
    std::uint64_t icmp_errors_rate_limited = 0;  // over the token bucket (RFC 1812 4.3.2.8)
    std::uint64_t udp_in = 0, udp_out = 0;
    std::uint64_t udp_no_port = 0;             // to a closed port (port unreachable)
    std::uint64_t udp_queue_full = 0;          // a socket's receive queue was full

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
       << c.syn_dropped_backlog << ", SYN cookies sent " << c.syn_cookies_sent << " (valid "
       << c.syn_cookies_valid << ", invalid " << c.syn_cookies_invalid << "); connections opened " << c.connections_opened
       << ", closed " << c.connections_closed << " (TIME-WAIT reused " << c.time_wait_reused << "); malformed " << c.malformed_total();
    if (c.forwarded || c.forward_ttl_exceeded || c.forward_no_route || c.forward_frag_needed ||
        c.forward_host_unreachable || c.forward_refused)
        os << "; forwarded " << c.forwarded << " (fragmented " << c.forward_fragmented
           << "), TTL exceeded " << c.forward_ttl_exceeded << ", without a route " << c.forward_no_route
           << ", frag needed " << c.forward_frag_needed << ", host unreachable "
           << c.forward_host_unreachable << ", not forwarded " << c.forward_refused;
    if (c.arp_in || c.icmp_in || c.icmp_out || c.udp_in || c.udp_out || c.not_for_us)
        os << "; frames not ours " << c.frames_not_ours << ", ARP in " << c.arp_in
           << ", not for us " << c.not_for_us << ", no route " << c.no_route << ", ARP dropped "
           << c.arp_dropped << ", unresolved " << c.arp_unresolved << ", reassembled "
           << c.reassembled << " (dropped " << c.reassembly_dropped << ", evicted " << c.reassembly_evicted << ", timed out "
           << c.reassembly_timed_out << ", " << c.reassembly_bytes << " bytes held), fragments out " << c.fragments_out << "; ICMP in " << c.icmp_in
           << ", out " << c.icmp_out << " (echo replies " << c.echo_replies << ", errors "
           << c.icmp_errors_sent << ", suppressed " << c.icmp_errors_suppressed << ", rate-limited " << c.icmp_errors_rate_limited
           << "), errors delivered " << c.icmp_errors_in << " (path MTU lowered " << c.pmtu_lowered << ", ignored " << c.pmtu_ignored << ")" << "; UDP in " << c.udp_in << ", out "
           << c.udp_out << ", to closed ports " << c.udp_no_port << ", queue full "
           << c.udp_queue_full;
    for (std::size_t i = 1; i < c.malformed.size(); ++i)
        if (c.malformed[i])
            os << ", " << base::to_string(static_cast<base::ParseError>(i)) << " " << c.malformed[i];
    return os;
}

}  // namespace host
