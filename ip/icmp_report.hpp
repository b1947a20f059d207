// Received ICMP errors, turned into what the transport layer needs: which of
// our datagrams the error is about (the quoted addresses, protocol and
// ports) and whether it is hard or soft (RFC 1122 4.2.3.9). The stack finds
// the TCP connection or UDP socket by these fields and hands it the report;
// RFC 1122 4.1.3.3 and 4.2.3.9 say both must hear of it.
#pragma once
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "ip/icmp.hpp"

namespace ip {

struct IcmpErrorReport {
    std::uint8_t type = 0;             // icmp_type::DestinationUnreachable or TimeExceeded
    std::uint8_t code = 0;
    std::uint32_t reporter = 0;        // who sent the error: a router, or the peer itself
    // The quoted datagram, which we sent: its source is ours, its
    // destination the peer.
    std::uint8_t protocol = 0;
    std::uint32_t local_ip = 0;
    std::uint32_t remote_ip = 0;
    std::uint16_t local_port = 0;      // TCP and UDP; 0 for other protocols
    std::uint16_t remote_port = 0;
    base::Bytes quoted_payload;        // the first 8 (or more) bytes of its data: an echo's id/seq...
    // RFC 1122 4.2.3.9: a hard error means the peer cannot be reached at
    // all. TCP aborts a connection still being set up; in the synchronized
    // states it treats it as soft (RFC 5927 7.2: a forged error must not
    // reset a connection), as Linux does. UDP reports it to the socket. A
    // soft error is a hint: remembered, reported if the connection times out.
    bool hard = false;
    std::uint16_t next_hop_mtu = 0;    // FragmentationNeeded (RFC 1191 4)
    // protocol ICMP: the quoted message was our Echo, with this identifier
    // and sequence number (RFC 792), so a ping socket can be told.
    bool quotes_echo = false;
    std::uint16_t echo_id = 0, echo_seq = 0;
    // protocol TCP: the quoted segment's sequence number (RFC 5927 4.1).
    std::optional<std::uint32_t> tcp_seq;
    std::uint16_t quoted_length = 0;  // the quoted datagram's total length (RFC 1191 7)
};

// The report for a parsed ICMP message (parse_icmp), if it is an error;
// nullopt for echo and echo reply. `reporter` is the source of the IPv4
// packet that carried it.
std::optional<IcmpErrorReport> icmp_error_report(const IcmpView& icmp, std::uint32_t reporter);

// The report a host makes to itself when a datagram of its own (`ours`, as
// sent) could not be delivered to the next hop because ARP got no answer:
// Host Unreachable, and hard (RFC 1122 2.3.2.2: unlike one from the wire it
// cannot be forged, so a connect fails with "no route to host", as on Linux).
IcmpErrorReport local_host_unreachable(const Ipv4View& ours);

}  // namespace ip
