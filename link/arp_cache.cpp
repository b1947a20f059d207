#include "link/arp_cache.hpp"

#include <string>
#include <utility>

#include "base/addr.hpp"
#include "base/log.hpp"

namespace l2 {

namespace {
std::string ip_text(std::uint32_t a) { return base::addr_to_string(a); }  // for the logs
}  // namespace

ArpCache::ArpCache(MacAddr our_mac, std::uint32_t our_ip, ArpSink& sink, ArpConfig config)
    : our_mac_(our_mac), our_ip_(our_ip), sink_(sink), config_(config) {}

void ArpCache::announce() {
    ++counters_.announcements_sent;
    LOG(arp, debug) << "announce " << ip_text(our_ip_) << " is-at " << our_mac_.to_string();
    sink_.send_arp(kBroadcastMac, ArpPacket{ArpOp::Request, our_mac_, our_ip_, MacAddr{}, our_ip_});
}

void ArpCache::on_arp(const ArpPacket& p, Time now) {
    ++(p.op == ArpOp::Request ? counters_.requests_received : counters_.replies_received);
    // Our own frame looped back (a bridge, a TAP), or a sender no
    // neighbour can be: nothing to learn, no one to answer.
    if (p.sha == our_mac_ || p.sha.is_multicast() || p.sha == MacAddr{}) {
        ++counters_.ignored;
        return;
    }
    // Someone else uses our address (RFC 5227 2.4 "conflict"): learn
    // nothing from it; a person must sort it out.
    if (p.spa == our_ip_) {
        ++counters_.conflicts;
        LOG(arp, warning) << "address conflict: " << p.sha.to_string() << " claims "
                          << ip_text(our_ip_) << ", ours";
        return;
    }
    // No single neighbour owns 0 (an RFC 5227 probe's sender), the limited
    // broadcast or a multicast address (RFC 1122 3.2.1.3).
    const bool learnable = base::is_unicast(p.spa);

    // RFC 826 "Packet Reception": if the sender is already in the table,
    // update its hardware address (the merge), whoever the packet is for.
    // Static entries keep what they were given.
    bool merged = false;
    if (auto it = entries_.find(p.spa); learnable && it != entries_.end()) {
        merged = true;
        Entry& e = it->second;
        if (e.state == State::Incomplete) {
            ++counters_.resolved;
            confirm(p.spa, e, p.sha, now, "resolved");
        } else if (e.state == State::Reachable) {
            ++counters_.updated;
            confirm(p.spa, e, p.sha, now, "confirmed");
        }
    }
    if (p.tpa != our_ip_) return;

    // RFC 826: "Am I the target protocol address? Yes: If Merge_flag is
    // false, add the triplet" -- whoever asks for us is about to talk to us,
    // and learning now saves a request of our own for the answer.
    if (learnable && !merged && (entries_.size() < config_.max_entries || make_room())) {
        ++counters_.learned;
        confirm(p.spa, entries_[p.spa], p.sha, now, "learned");
    }
    // RFC 826: a request for us gets our address, sent to the asker alone.
    if (p.op == ArpOp::Request) {
        ++counters_.replies_sent;
        LOG(arp, debug) << "reply to " << ip_text(p.spa) << ": " << ip_text(our_ip_) << " is-at "
                        << our_mac_.to_string();
        sink_.send_arp(p.sha, ArpPacket{ArpOp::Reply, our_mac_, our_ip_, p.sha, p.spa});
    }
}

ArpCache::Sent ArpCache::send(std::uint32_t next_hop, base::Bytes packet, Time now) {
    const Resolution r = resolve(next_hop, packet, now);
    if (r.how == Sent::Now) sink_.send_ipv4(r.mac, packet);
    return r.how;
}

ArpCache::Resolution ArpCache::resolve(std::uint32_t next_hop, base::Bytes packet, Time now) {
    auto it = entries_.find(next_hop);
    if (it != entries_.end() && it->second.state != State::Incomplete) {
        it->second.used = true;
        return {Sent::Now, it->second.mac};
    }
    if (it == entries_.end()) {
        if (entries_.size() >= config_.max_entries && !make_room()) {
            ++counters_.refused;
            LOG(arp, debug) << "table full (" << entries_.size() << " entries in use); packet to "
                            << ip_text(next_hop) << " dropped";
            return {Sent::Dropped, {}};
        }
        it = entries_.try_emplace(next_hop).first;
        Entry& e = it->second;
        LOG(arp, debug) << ip_text(next_hop) << ": incomplete, resolving";
        request(next_hop, kBroadcastMac);
        e.tries = 1;
        e.next_request = now + config_.retry_interval;
    }
    return {enqueue(next_hop, it->second, packet) ? Sent::Queued : Sent::Dropped, {}};
}

std::optional<MacAddr> ArpCache::resolve_known(std::uint32_t next_hop) {
    auto it = entries_.find(next_hop);
    if (it == entries_.end() || it->second.state == State::Incomplete) return std::nullopt;
    it->second.used = true;
    return it->second.mac;
}

void ArpCache::add_static(std::uint32_t ip, const MacAddr& mac) {
    Entry& e = entries_[ip];
    confirm(ip, e, mac, Time{0}, "static");  // sends anything that was waiting
    e.state = State::Static;
}

void ArpCache::on_timer(Time now) {
    std::vector<std::uint32_t> failed;  // given up after the loop: callbacks may send()
    for (auto it = entries_.begin(); it != entries_.end();) {
        const std::uint32_t ip = it->first;
        Entry& e = it->second;
        if (e.state == State::Incomplete && now >= e.next_request) {
            if (e.tries < config_.max_tries) {
                // RFC 1122 2.3.2.1: retransmit, at most once per interval.
                ++e.tries;
                e.next_request = now + config_.retry_interval;
                LOG(arp, debug) << ip_text(ip) << ": no reply, request " << e.tries << " of "
                                << config_.max_tries;
                request(ip, kBroadcastMac);
            } else {
                failed.push_back(ip);
            }
        } else if (e.state == State::Reachable) {
            if (now >= e.expires) {
                // RFC 1122 2.3.2.1: entries time out, so a host that moved
                // or changed its card is asked afresh.
                ++counters_.expired;
                LOG(arp, debug) << ip_text(ip) << " is-at " << e.mac.to_string() << ": expired";
                it = entries_.erase(it);
                continue;
            }
            if (e.used && e.tries < config_.max_tries && now >= poll_time(e)) {
                // RFC 1122 2.3.2.1 "Unicast Poll": ask the neighbour itself,
                // so an entry in use is renewed without a gap.
                ++e.tries;
                LOG(arp, debug) << ip_text(ip) << " is-at " << e.mac.to_string()
                                << ": in use, refresh poll " << e.tries;
                request(ip, e.mac);
            }
        }
        ++it;
    }
    for (std::uint32_t ip : failed) give_up(ip);
}

std::optional<Time> ArpCache::next_deadline() const {
    std::optional<Time> earliest;
    auto consider = [&](Time t) {
        if (!earliest || t < *earliest) earliest = t;
    };
    for (const auto& [ip, e] : entries_) {
        if (e.state == State::Incomplete) consider(e.next_request);
        if (e.state == State::Reachable) {
            consider(e.expires);
            if (e.used && e.tries < config_.max_tries) consider(poll_time(e));
        }
    }
    return earliest;
}

std::optional<MacAddr> ArpCache::lookup(std::uint32_t ip) const {
    auto it = entries_.find(ip);
    if (it == entries_.end() || it->second.state == State::Incomplete) return std::nullopt;
    return it->second.mac;
}

// The entry's hardware address is `mac` as of `now`: it becomes (or stays)
// reachable for a full lifetime, and packets waiting for it leave.
void ArpCache::confirm(std::uint32_t ip, Entry& e, const MacAddr& mac, Time now,
                       const char* why) {
    std::deque<std::vector<std::uint8_t>> waiting = std::move(e.queue);
    queued_bytes_ -= e.queue_bytes;
    if (LOG_ENABLED(arp, debug)) {
        std::string line = ip_text(ip) + " is-at " + mac.to_string() + " (" + why;
        if (e.state == State::Reachable && e.mac != mac) line += ", was " + e.mac.to_string();
        if (!waiting.empty()) line += "; " + std::to_string(waiting.size()) + " waiting packets sent";
        LOG(arp, debug) << line << ")";
    }
    e = Entry{};
    e.state = State::Reachable;
    e.mac = mac;
    e.expires = now + config_.lifetime;
    // Packets that waited go out now: that is use, worth a refresh later.
    e.used = !waiting.empty();
    for (const auto& p : waiting) sink_.send_ipv4(mac, p);
}

void ArpCache::request(std::uint32_t ip, const MacAddr& eth_dst) {
    ++(eth_dst == kBroadcastMac ? counters_.requests_sent : counters_.polls_sent);
    // RFC 826: the target hardware address is what we do not know; zero.
    sink_.send_arp(eth_dst, ArpPacket{ArpOp::Request, our_mac_, our_ip_, MacAddr{}, ip});
}

// Polls start early enough that all of them fit before the entry expires.
Time ArpCache::poll_time(const Entry& e) const {
    return e.expires - config_.retry_interval * (config_.max_tries - e.tries);
}

// A full table gives up its least recently confirmed entry that no packet
// has used since (never evict one in active use). Incomplete
// entries hold packets and leave by themselves within seconds.
bool ArpCache::make_room() {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->second.state == State::Reachable && !it->second.used &&
            (victim == entries_.end() || it->second.expires < victim->second.expires))
            victim = it;
    if (victim == entries_.end()) return false;
    ++counters_.evicted;
    LOG(arp, debug) << ip_text(victim->first) << " is-at " << victim->second.mac.to_string()
                    << ": evicted, table full";
    entries_.erase(victim);
    return true;
}

// RFC 1122 2.3.2.2: keep "at least one (the latest)" packet per address, so
// the oldest make room -- but only this address's, never another's.
bool ArpCache::enqueue(std::uint32_t ip, Entry& e, base::Bytes packet) {
    const std::size_t n = packet.size();
    const std::size_t others = queued_bytes_ - e.queue_bytes;
    if (n > config_.max_queue_bytes_per_address || others + n > config_.max_queue_bytes_total) {
        ++counters_.refused;
        LOG(arp, debug) << ip_text(ip) << ": resolution queue full; packet of " << n
                        << " bytes dropped";
        return false;
    }
    while (e.queue_bytes + n > config_.max_queue_bytes_per_address ||
           queued_bytes_ + n > config_.max_queue_bytes_total)
        drop_oldest(e);
    e.queue.emplace_back(packet.begin(), packet.end());
    e.queue_bytes += n;
    queued_bytes_ += n;
    ++counters_.queued;
    return true;
}

void ArpCache::drop_oldest(Entry& e) {
    ++counters_.queue_overflow;
    LOG(arp, debug) << "resolution queue full: oldest waiting packet (" << e.queue.front().size()
                    << " bytes) dropped";
    e.queue_bytes -= e.queue.front().size();
    queued_bytes_ -= e.queue.front().size();
    e.queue.pop_front();
}

void ArpCache::give_up(std::uint32_t ip) {
    auto it = entries_.find(ip);
    std::deque<std::vector<std::uint8_t>> waiting = std::move(it->second.queue);
    queued_bytes_ -= it->second.queue_bytes;
    entries_.erase(it);
    ++counters_.gave_up;
    counters_.unresolved += waiting.size();
    LOG(arp, debug) << ip_text(ip) << ": no reply to " << config_.max_tries << " requests; "
                    << waiting.size() << " waiting packets dropped";
    // RFC 1122 2.3.2.2 leaves the rest to IP: host unreachable to the sender.
    for (const auto& p : waiting) sink_.unresolved(ip, p);
}

}  // namespace l2
