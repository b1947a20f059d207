// The ARP resolver and cache of one Ethernet interface (RFC 826, RFC 1122
// 2.3.2): it answers requests for our address, learns neighbours' hardware
// addresses, and resolves the next hop of every IPv4 packet we send,
// holding the packet in a bounded queue until the reply comes.
//
// Sans-IO: time comes in as an argument, everything that leaves goes through
// the ArpSink, and next_deadline() tells the event loop when to call
// on_timer(). Every IPv4 packet for the link goes through send():
//
//   arp.send(route.next_hop, ipv4_packet, now);   // now, later, or never
//   ...
//   if (auto ev = parse_ethernet(frame); ev && ev->header.type == ethertype::ARP)
//       if (auto a = parse_arp(ev->payload)) arp.on_arp(*a, now);
//
// Entry life: a packet for an unknown address creates an Incomplete entry
// and a broadcast request, repeated every second; after three unanswered
// requests its packets are handed back through unresolved(). A reply makes
// it Reachable for a minute. An entry that packets still use is polled by a
// unicast request before that minute is up (RFC 1122 2.3.2.1 "Unicast
// Poll") rather than dropped; an unused one simply expires.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "link/arp.hpp"
#include "link/ethernet.hpp"

namespace l2 {

using base::Time;

struct ArpConfig {
    // RFC 1122 2.3.2.1: "no more than one ARP request per second" to one
    // address (prevents ARP flooding); Linux's retrans_time is 1 s too.
    Time retry_interval = std::chrono::seconds(1);
    // Requests sent before giving up (Linux: mcast_solicit = 3), and unicast
    // polls sent to refresh an entry in use.
    int max_tries = 3;
    // RFC 1122 2.3.2.1: out-of-date entries MUST be flushed; its timeout and
    // unicast-poll methods use timeouts "on the order of a minute or less".
    // A moved host's stale MAC lives at most this long; a busy entry is
    // kept alive by polling.
    Time lifetime = std::chrono::seconds(60);
    std::size_t max_entries = 256;
    // RFC 1122 2.3.2.2: save packets waiting for resolution. Per address:
    // enough for one 65535-byte datagram fragmented for a 1500-byte MTU
    // (45 fragments, 66.4 KB), as Linux bounds its queue by bytes per
    // neighbour. In total: four addresses' worth, so one unresolvable
    // address never takes the whole queue from the others.
    std::size_t max_queue_bytes_per_address = 72 * 1024;
    std::size_t max_queue_bytes_total = 4 * 72 * 1024;
};

struct ArpCounters {
    std::uint64_t requests_sent = 0, replies_sent = 0, announcements_sent = 0, polls_sent = 0;
    std::uint64_t requests_received = 0, replies_received = 0;
    std::uint64_t learned = 0;        // new entries from packets naming us (RFC 826)
    std::uint64_t updated = 0;        // existing entries refreshed by the merge rule
    std::uint64_t resolved = 0;       // incomplete entries answered
    std::uint64_t expired = 0;        // reachable entries timed out
    std::uint64_t evicted = 0;        // unused entries pushed out by a full table
    std::uint64_t gave_up = 0;        // addresses that never answered
    std::uint64_t queued = 0;         // packets held for resolution
    std::uint64_t queue_overflow = 0; // held packets dropped to make room for newer ones
    std::uint64_t refused = 0;        // packets send() could not hold at all
    std::uint64_t unresolved = 0;     // held packets handed back after giving up
    std::uint64_t ignored = 0;        // our own frames, bogus senders
    std::uint64_t conflicts = 0;      // someone else claims our address
};

// Where the cache's output goes; the stack frames and sends it. send_ipv4()
// and unresolved() may call back into the cache (to send an ICMP error, say);
// send_arp() must not.
class ArpSink {
public:
    virtual ~ArpSink() = default;
    // An ARP packet, in an Ethernet frame to `eth_dst` (broadcast or unicast).
    virtual void send_arp(const MacAddr& eth_dst, const ArpPacket& packet) = 0;
    // An IPv4 packet, in an Ethernet frame to `eth_dst`.
    virtual void send_ipv4(const MacAddr& eth_dst, base::Bytes packet) = 0;
    // A packet that waited for `next_hop`, which never answered: the stack
    // sends ICMP host unreachable to its source (RFC 1122 2.3.2.2 / 3.2.2.1)
    // or fails the connect that sent it.
    virtual void unresolved(std::uint32_t next_hop, base::Bytes packet) = 0;
};

class ArpCache {
public:
    ArpCache(MacAddr our_mac, std::uint32_t our_ip, ArpSink& sink, ArpConfig config = {});

    // The gratuitous ARP at start-up (RFC 5227 2.3 "ARP Announcement"): a
    // broadcast request with our address as both sender and target, so
    // neighbours that knew another MAC for it update their caches.
    void announce();

    // A received ARP packet (parsed): RFC 826's "packet reception" algorithm.
    void on_arp(const ArpPacket& packet, Time now);

    enum class Sent { Now, Queued, Dropped };
    struct Resolution {
        Sent how = Sent::Dropped;
        MacAddr mac;  // how == Now: the next hop's MAC
    };
    // The next hop's MAC for `packet` (a whole IPv4 packet): Now with the
    // MAC when it is known (the caller frames and sends the packet itself,
    // in place), else Queued (the packet is copied into the queue and goes
    // out through ArpSink::send_ipv4 once the reply comes) or Dropped (the
    // queue or the table is full).
    Resolution resolve(std::uint32_t next_hop, base::Bytes packet, Time now);
    // resolve() for a packet that cannot be queued (a TCP super-packet the
    // host holds in pieces): the MAC when it is known, the entry marked in
    // use as resolve() marks it; nullopt, and nothing done, when it is not
    // (the caller then calls resolve() with the packet whole).
    std::optional<MacAddr> resolve_known(std::uint32_t next_hop);
    // resolve(), and for Now the packet goes out through ArpSink::send_ipv4.
    Sent send(std::uint32_t next_hop, base::Bytes packet, Time now);

    // A permanent entry: never expires, never polled, never overwritten.
    void add_static(std::uint32_t ip, const MacAddr& mac);

    void on_timer(Time now);
    std::optional<Time> next_deadline() const;

    // The MAC of a reachable or static entry (no side effects), e.g. for a
    // neighbour listing.
    std::optional<MacAddr> lookup(std::uint32_t ip) const;
    std::size_t size() const { return entries_.size(); }
    std::size_t queued_bytes() const { return queued_bytes_; }
    const ArpCounters& counters() const { return counters_; }

private:
    enum class State { Incomplete, Reachable, Static };
    struct Entry {
        State state = State::Incomplete;
        MacAddr mac;
        Time expires{};       // Reachable: end of life
        Time next_request{};  // Incomplete: next retry or give-up
        int tries = 0;        // requests (Incomplete) or polls (Reachable) sent this round
        bool used = false;    // Reachable: a packet went out since it was last confirmed
        std::deque<std::vector<std::uint8_t>> queue;  // Incomplete: packets waiting
        std::size_t queue_bytes = 0;
    };
    using Table = std::unordered_map<std::uint32_t, Entry>;

    void confirm(std::uint32_t ip, Entry& e, const MacAddr& mac, Time now, const char* why);
    void request(std::uint32_t ip, const MacAddr& eth_dst);
    Time poll_time(const Entry& e) const;
    bool make_room();
    bool enqueue(std::uint32_t ip, Entry& e, base::Bytes packet);
    void drop_oldest(Entry& e);
    void give_up(std::uint32_t ip);

    MacAddr our_mac_;
    std::uint32_t our_ip_;
    ArpSink& sink_;
    ArpConfig config_;
    Table entries_;
    std::size_t queued_bytes_ = 0;
    ArpCounters counters_;
};

}  // namespace l2
