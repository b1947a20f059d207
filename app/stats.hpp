// --stats: what the stack has seen, on stderr at exit and on SIGUSR1
// (app/program.hpp), in the manner of `ss -ti`: the host's packet counters,
// one line per live TCP connection with its state, timers, windows and
// counters, the sum of the counters of the connections already closed, one
// line per interface with its device's own counts (l2::LinkCounters), and
// the fault injector's counts when a fault flag was given:
//
//   stats: frames in 40 out 38 ...                       (host::Counters)
//   tcp: ESTABLISHED 10.0.0.2:8080 10.0.0.3:40312 rto:204 rtt:1.2/0.6 mss:1460 cwnd:14600 ...
//   tcp: closed 3: bytes_sent:12000 bytes_acked:12000 ... retrans:4 rto_expired:1 ...
//   link: eth0 rx_dropped:0 rx_truncated:0 rx_bad:0 tx_dropped:0 tx_gso:311
//   faults: packets:120 dropped:5 (random:5 nth:0) queue_full:0 delayed:0 ...
#pragma once
#include <ostream>

#include "host/connections.hpp"
#include "link/faults.hpp"
#include "stack/stack.hpp"

namespace app {

// The counters of one connection (or a sum), as `key:value` words.
void print_tcp_stats(std::ostream& out, const tcp::Stats& s);
// One connection's line, without the leading "tcp: ".
void print_connection(std::ostream& out, const host::ConnectionInfo& c);
void print_faults(std::ostream& out, const l2::FaultCounters& f);

// The whole report.
void print_stats(stack::Stack& st, std::ostream& out);

}  // namespace app
