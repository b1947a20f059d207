#include "app/stats.hpp"

#include <cstdio>
#include <sstream>

#include "base/addr.hpp"
#include "ip/ipv4.hpp"
#include "tcp/newreno.hpp"

namespace app {

namespace {

std::string endpoint(std::uint32_t ip, std::uint16_t port) {
    return ip::addr_to_string(ip) + ':' + std::to_string(port);
}

// Milliseconds with three decimals, as ss prints rtt.
std::string ms(tcp::Duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(d.count()) / 1000.0);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

void print_tcp_stats(std::ostream& out, const tcp::Stats& s) {
    out << "bytes_sent:" << s.bytes_out << " bytes_acked:" << s.bytes_acked
        << " bytes_received:" << s.bytes_in << " segs_out:" << s.segs_out << " segs_in:" << s.segs_in
        << " retrans:" << s.retransmits << " rto_expired:" << s.rto_timeouts
        << " fast_retrans:" << s.fast_retransmits << " tlp:" << s.tail_loss_probes
        << " dup_acks_in:" << s.dup_acks_in << " sack_blocks_in:" << s.sack_blocks_in
        << " sacked_bytes:" << s.sacked_bytes << " ooo_in:" << s.out_of_order_in
        << " dup_segs_in:" << s.duplicate_in << " zero_window_probes:" << s.zero_window_probes
        << " challenge_acks:" << s.challenge_acks << " pmtu_reductions:" << s.pmtu_reductions
        << " tso_segs_out:" << s.tso_segs_out;
}

void print_connection(std::ostream& out, const host::ConnectionInfo& c) {
    const tcp::Info& i = c.info;
    out << tcp::to_string(i.state) << ' ' << endpoint(c.tuple.local_ip, c.tuple.local_port) << ' '
        << endpoint(c.tuple.remote_ip, c.tuple.remote_port) << " rto:" << ms(i.rto);
    // RFC 6298 2.1: no SRTT before the first measurement.
    if (i.srtt.count() > 0) out << " rtt:" << ms(i.srtt) << '/' << ms(i.rttvar);
    out << " mss:" << i.mss << " cwnd:" << i.cwnd;
    // RFC 5681 3.1: the initial ssthresh is "arbitrarily high"; ss leaves it out.
    if (i.ssthresh < tcp::kMaxCwnd) out << " ssthresh:" << i.ssthresh;
    out << " snd_wnd:" << i.snd_wnd << " rcv_wnd:" << i.rcv_wnd << " in_flight:" << i.in_flight
        << " unsent:" << i.unsent << " unread:" << i.unread << ' ';
    print_tcp_stats(out, c.stats);
}

void print_faults(std::ostream& out, const l2::FaultCounters& f) {
    out << "packets:" << f.packets << " dropped:" << f.dropped + f.dropped_nth
        << " (random:" << f.dropped << " nth:" << f.dropped_nth << ") queue_full:" << f.overflowed
        << " delayed:" << f.delayed << " reordered:" << f.reordered
        << " duplicated:" << f.duplicated << " corrupted:" << f.corrupted;
}

void print_stats(stack::Stack& st, std::ostream& out) {
    const auto counters = st.counters();
    const auto report = st.tcp_report();
    // Built whole, then written once: the report must not interleave with
    // the log on the same stderr.
    std::ostringstream s;
    s << "stats: " << counters << '\n';
    for (const auto& c : report.connections.live) {
        s << "tcp: ";
        print_connection(s, c);
        s << '\n';
    }
    s << "tcp: closed " << report.connections.closed << ": ";
    print_tcp_stats(s, report.connections.closed_stats);
    s << '\n';
    for (const auto& l : report.links) {
        const auto& c = l.counters;
        s << "link: " << l.name << " rx_dropped:" << c.rx_dropped << " rx_truncated:" << c.rx_truncated
          << " rx_bad:" << c.rx_bad << " tx_dropped:" << c.tx_dropped << " tx_gso:" << c.tx_gso << '\n';
    }
    if (report.faults) {
        s << "faults: ";
        print_faults(s, *report.faults);
        s << '\n';
    }
    out << s.str() << std::flush;
}

}  // namespace app
