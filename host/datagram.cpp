// UDP (RFC 768) and ICMP echo ("ping") sockets: binding, sending through the
// host's IPv4 output, and the bounded queue of what arrived.
#include <algorithm>
#include <cerrno>

#include "base/log.hpp"
#include "host/internal.hpp"
#include "ip/icmp.hpp"
#include "ip/icmp_responder.hpp"
#include "ip/ipv4.hpp"
#include "ip/udp.hpp"

namespace host {

namespace {

// A socket's receive queue, like a kernel socket's SO_RCVBUF: what does not
// fit is dropped (UDP is unreliable) and counted.
constexpr std::size_t kMaxQueuedBytes = 256 * 1024;
constexpr std::size_t kMaxQueuedItems = 1024;
// RFC 768 + RFC 791: 65535 - 20 (IP) - 8 (UDP or ICMP header).
constexpr std::size_t kMaxPayload = 65507;

}  // namespace

Host::Dgram* Host::find_dgram(bool ping, std::uint32_t addr, std::uint16_t port) {
    Dgram* any = nullptr;
    for (auto& [id, d] : dgrams_) {
        if (d->ping != ping || d->port != port) continue;
        if (d->addr == addr && addr != 0) return d.get();  // the more specific one wins
        if (d->addr == 0 || addr == 0) any = d.get();
    }
    return any;
}

void Host::deliver(Dgram& d, Datagram item) {
    if (d.queue.size() >= kMaxQueuedItems || d.queued_bytes + item.data.size() > kMaxQueuedBytes) {
        ++counters_.udp_queue_full;
        return;
    }
    d.queued_bytes += item.data.size();
    d.queue.push_back(std::move(item));
    changed(d.id);
}

Result<SocketId> Host::udp_open(std::uint32_t addr, std::uint16_t port, Hold hold) {
    if (cfg_.kernel_owns_addresses) return {0, Err::Failed};  // the kernel owns UDP there
    auto d = std::make_unique<Dgram>();
    d->id = next_id_++;
    d->addr = addr;
    d->port = port;
    d->hold = std::move(hold);
    LOG(stack, debug) << "UDP socket on " << ip::addr_to_string(addr) << ":" << port;
    const SocketId id = d->id;
    dgrams_.emplace(id, std::move(d));
    return {id, Err::None};
}

Result<std::pair<SocketId, std::uint16_t>> Host::ping_open(Time now, std::uint8_t ttl) {
    if (cfg_.kernel_owns_addresses) return {{}, Err::Failed};
    // An identifier no other ping socket of ours uses (RFC 792: "to aid in
    // matching echos and replies").
    if (next_ping_id_ == 0) next_ping_id_ = static_cast<std::uint16_t>(now.count() | 1);
    for (int tries = 0; tries < 65536; ++tries, ++next_ping_id_)
        if (next_ping_id_ != 0 && !find_dgram(true, 0, next_ping_id_)) break;
    auto d = std::make_unique<Dgram>();
    d->id = next_id_++;
    d->ping = true;
    d->ttl = ttl;
    d->port = next_ping_id_++;
    LOG(stack, debug) << "ping socket, id " << d->port;
    const std::pair<SocketId, std::uint16_t> opened{d->id, d->port};
    dgrams_.emplace(d->id, std::move(d));
    return {opened, Err::None};
}

Err Host::send_to(SocketId id, std::uint32_t addr, std::uint16_t port, base::Bytes data, Time now) {
    now_ = now;
    auto it = dgrams_.find(id);
    if (it == dgrams_.end()) return Err::Closed;
    Dgram& d = *it->second;
    if (data.size() > kMaxPayload) return Err::Failed;
    std::uint32_t src = d.addr;
    if (src == 0) {
        const auto s = source_for(addr);
        if (!s) {
            ++counters_.no_route;
            return Err::Unreachable;
        }
        src = *s;
    }
    ip::Ipv4Header ih;
    ih.id = next_ip_id_++;
    ih.ttl = d.ping ? d.ttl : ip::kDefaultTtl;
    ih.src = src;
    ih.dst = addr;
    base::MutBytes packet(icmp_.data() + kHeadroom, icmp_.size() - kHeadroom);
    base::MutBytes body = packet.subspan(ip::kIpv4HeaderLen);
    std::size_t n = 0;
    if (!d.ping) {
        ih.protocol = ip::kProtoUdp;
        n = ip::build_udp(body, ip::UdpHeader{d.port, port, 0, 0}, src, addr, data);
        ++counters_.udp_out;
    } else {
        ih.protocol = ip::kProtoIcmp;
        ip::IcmpMessage m;
        m.type = ip::icmp_type::Echo;
        m.id = d.port;
        m.seq = port;
        m.data = data;
        n = ip::build_icmp(body, m);
        ++counters_.icmp_out;
    }
    if (n == 0) return Err::Failed;
    ih.total_length = static_cast<std::uint16_t>(ip::kIpv4HeaderLen + n);
    ip::build_ipv4_header(packet, ih);
    // Queued for ARP, or lost later: a datagram has no delivery promise.
    const int err = send_datagram(src, addr, packet.first(ip::kIpv4HeaderLen + n), now);
    return err == ENETUNREACH ? Err::Unreachable : Err::None;
}

std::optional<Datagram> Host::recv_from(SocketId id) {
    auto it = dgrams_.find(id);
    if (it == dgrams_.end() || it->second->queue.empty()) return std::nullopt;
    Dgram& d = *it->second;
    Datagram out = std::move(d.queue.front());
    d.queue.pop_front();
    d.queued_bytes -= out.data.size();
    return out;
}

void Host::dgram_close(SocketId id) { dgrams_.erase(id); }

}  // namespace host
