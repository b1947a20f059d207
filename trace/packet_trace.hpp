// Decodes captured bytes with the stack's own parsers and traces them: TCP
// through Tracer::segment (relative numbers and all), ARP, ICMP and UDP as
// lines in the same columns, and anything that does not parse as one line
// saying why. ./dump feeds it every frame of an interface; the stack can feed
// it what its device sends and receives, to trace ARP and ICMP too.
//
//   0.000000  02:00:00:00:00:0a     --> ff:ff:ff:ff:ff:ff     ARP Request who-has 192.0.2.2? tell 192.0.2.1
//   0.000021  02:00:00:00:00:0a     <-- 02:00:00:00:00:0b     ARP Reply 192.0.2.2 is-at 02:00:00:00:00:0b
//   0.000024  192.0.2.1             --> 192.0.2.2             ICMP Echo id=4459 seq=1 len=56
#pragma once
#include "base/bytes.hpp"
#include "trace/trace.hpp"

namespace trace {

struct Captured {
    Dir dir = Dir::In;
    tcp::Time at{0};
    base::Bytes bytes;
    // The kernel had not filled in the TCP/UDP checksum (checksum offload:
    // AF_PACKET's TP_STATUS_CSUMNOTREADY), so the field holds only part of
    // the sum and cannot be verified (checksum offload on veth).
    bool checksum_not_ready = false;
    bool lost = false;  // the fault injector dropped it
};

// An Ethernet II frame (packet and tap modes, ./dump).
void trace_frame(Tracer& tracer, const Captured& c, bool verbose);
// A bare IPv4 packet (raw mode).
void trace_ipv4(Tracer& tracer, const Captured& c, bool verbose);

}  // namespace trace
