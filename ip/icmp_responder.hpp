// The host side of ICMP as pure functions (RFC 792, RFC 1122 3.2.2): the
// echo reply for an echo request, the error messages a host sends
// (destination unreachable, time exceeded), and the rules on when it must
// not send one. Each builder writes a whole IPv4 packet into the caller's
// buffer; the stack routes it, fragments it if need be, and sends it.
//
//   if (icmp_error_verdict(packet, how) == IcmpErrorVerdict::Send)
//       n = build_icmp_error(tx, icmp_type::DestinationUnreachable,
//                            unreachable::Port, packet, our_addr, next_id++);
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.hpp"
#include "ip/icmp.hpp"
#include "ip/ipv4.hpp"

namespace ip {

// The TTL of the packets we originate: RFC 1700's default, as Linux uses.
constexpr std::uint8_t kDefaultTtl = 64;

// RFC 792 Echo Reply to `request` (a received datagram for us whose payload
// parsed as `echo`, an Echo): same identifier, sequence number and data
// (RFC 1122 3.2.2.6: the data "MUST be entirely included"), sent back to the
// request's source from `specific_destination` -- the request's destination
// if it was our unicast address, else our address on that interface (RFC
// 1122 3.2.2.6, 3.2.1.3). Returns the packet length; 0 if `echo` is not an
// Echo or `out` is too small. A reply larger than the link MTU is
// fragmented by the caller (ping -s 4000).
std::size_t build_echo_reply(base::MutBytes out, const Ipv4Header& request,
                             const IcmpMessage& echo, std::uint32_t specific_destination,
                             std::uint16_t ip_id);

// Why an ICMP error about a datagram may or may not be sent (RFC 1122
// 3.2.2: "An ICMP error message MUST NOT be sent as the result of
// receiving" ...).
enum class IcmpErrorVerdict : std::uint8_t {
    Send,
    Malformed,           // not an IPv4 header: nothing to quote
    AboutIcmpError,      // ... an ICMP error message
    ToBroadcast,         // ... a datagram destined to an IP broadcast or multicast address
    LinkBroadcast,       // ... a datagram sent as a link-layer broadcast
    NonInitialFragment,  // ... a non-initial fragment
    SourceNotAHost,      // ... a datagram whose source does not define a single host
};
std::string_view to_string(IcmpErrorVerdict v);

// How the offending datagram reached us; the stack knows, the datagram does not.
struct ReceivedOn {
    std::uint32_t directed_broadcast = 0;  // the interface's subnet broadcast; 0 if none
    bool link_broadcast = false;           // its frame went to a broadcast/multicast MAC
    bool loopback = false;                 // it came over the loopback interface
};

// `offending` is the datagram as received, or at least its header (the
// reassembler's Time Exceeded quote). Send only when this says Send.
IcmpErrorVerdict icmp_error_verdict(base::Bytes offending, const ReceivedOn& how);

// An ICMP error of `type`/`code` about `offending`, to its source, from
// `source` (our address it was sent to). RFC 792: the message quotes the
// offending header and the first 64 bits of its data. RFC 1349 5.1: sent
// with TOS 0. Returns the packet length; 0 if `offending` has no IPv4
// header or `out` is too small. Check icmp_error_verdict() first.
// `next_hop_mtu`: Fragmentation Needed's MTU field (RFC 1191 4).
std::size_t build_icmp_error(base::MutBytes out, std::uint8_t type, std::uint8_t code,
                             base::Bytes offending, std::uint32_t source, std::uint16_t ip_id,
                             std::uint16_t next_hop_mtu = 0);

}  // namespace ip
