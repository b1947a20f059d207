// UDP (RFC 768) and ICMP echo sockets on the event loop: binding, sending
// through the host's IP layer, and the bounded queue of what arrived.
#include <algorithm>

#include "base/log.hpp"
#include "ip/icmp.hpp"
#include "ip/icmp_responder.hpp"
#include "ip/ipv4.hpp"
#include "ip/udp.hpp"
#include "stack/core.hpp"

namespace stack {

namespace {

// A socket's receive queue, like a kernel socket's SO_RCVBUF: what does not
// fit is dropped (UDP is unreliable) and counted.
constexpr std::size_t kMaxQueuedBytes = 256 * 1024;
constexpr std::size_t kMaxQueuedItems = 1024;
// RFC 768 + RFC 791: 65535 - 20 (IP) - 8 (UDP or ICMP header).
constexpr std::size_t kMaxPayload = 65507;

void answer(DgramEntry::Recv& r, DgramEntry::Item& it) {
    const std::size_t n = std::min(it.data.size(), r.buf.size());
    std::copy_n(it.data.begin(), n, r.buf.begin());
    Datagram meta = it.meta;
    meta.length = n;
    r.reply->set_value({meta, it.err});
}

}  // namespace

DgramEntry* Core::find_dgram(DgramEntry::Kind kind, std::uint32_t addr, std::uint16_t port) {
    DgramEntry* any = nullptr;
    for (auto& [id, d] : dgrams_) {
        if (d->kind != kind || d->port != port) continue;
        if (d->addr == addr && addr != 0) return d.get();  // the more specific one wins
        if (d->addr == 0 || addr == 0) any = d.get();
    }
    return any;
}

void Core::deliver_dgram(DgramEntry& d, DgramEntry::Item item) {
    if (!d.recvs.empty()) {
        answer(d.recvs.front(), item);
        d.recvs.pop_front();
        return;
    }
    if (d.queue.size() >= kMaxQueuedItems || d.queued_bytes + item.data.size() > kMaxQueuedBytes) {
        ++counters_.udp_queue_full;
        return;
    }
    d.queued_bytes += item.data.size();
    d.queue.push_back(std::move(item));
}

void Core::do_dgram_open(DgramEntry::Kind kind, std::uint32_t addr, std::uint16_t port,
                         std::shared_ptr<PortLease> lease, Reply<Result<DgramOpened>> reply) {
    if (stopping_) return reply->set_value({{}, Err::Shutdown});
    if (kind == DgramEntry::Kind::Ping) {
        // An identifier no other ping socket of ours uses (RFC 792: "to aid
        // in matching echos and replies").
        if (next_ping_id_ == 0) next_ping_id_ = static_cast<std::uint16_t>(loop.now().count() | 1);
        for (int tries = 0; tries < 65536; ++tries, ++next_ping_id_)
            if (next_ping_id_ != 0 && !find_dgram(kind, 0, next_ping_id_)) break;
        port = next_ping_id_++;
    }
    auto d = std::make_unique<DgramEntry>();
    d->id = next_id_++;
    d->kind = kind;
    d->addr = addr;
    d->port = port;
    d->lease = std::move(lease);
    LOG(stack, debug) << (kind == DgramEntry::Kind::Udp ? "UDP socket on " : "ping socket, id ")
                      << (kind == DgramEntry::Kind::Udp ? ip::addr_to_string(addr) + ":" : "")
                      << port;
    const DgramOpened opened{d->id, port};
    dgrams_.emplace(d->id, std::move(d));
    reply->set_value({opened, Err::None});
}

void Core::do_send_to(std::uint64_t id, std::uint32_t addr, std::uint16_t port, base::Bytes data,
                      Reply<Err> reply) {
    if (stopping_) return reply->set_value(Err::Shutdown);
    auto it = dgrams_.find(id);
    if (it == dgrams_.end()) return reply->set_value(Err::Closed);
    DgramEntry& d = *it->second;
    if (data.size() > kMaxPayload) return reply->set_value(Err::Failed);
    std::uint32_t src = d.addr;
    if (src == 0) {
        const auto s = source_for(addr);
        if (!s) {
            ++counters_.no_route;
            return reply->set_value(Err::Unreachable);
        }
        src = *s;
    }
    ip::Ipv4Header ih;
    ih.id = next_ip_id_++;
    ih.ttl = ip::kDefaultTtl;
    ih.src = src;
    ih.dst = addr;
    base::MutBytes body(icmp_buf_.data() + ip::kIpv4HeaderLen, icmp_buf_.size() - ip::kIpv4HeaderLen);
    std::size_t n = 0;
    if (d.kind == DgramEntry::Kind::Udp) {
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
    if (n == 0) return reply->set_value(Err::Failed);
    ih.total_length = static_cast<std::uint16_t>(ip::kIpv4HeaderLen + n);
    ip::build_ipv4_header(icmp_buf_, ih);
    // Queued for ARP, or lost later: a datagram has no delivery promise.
    const int err = send_ip({icmp_buf_.data(), ip::kIpv4HeaderLen + n});
    reply->set_value(err == ENETUNREACH ? Err::Unreachable : Err::None);
    rearm();
}

void Core::do_recv_from(std::uint64_t id, base::MutBytes buf, Reply<Result<Datagram>> reply) {
    if (stopping_) return reply->set_value({{}, Err::Shutdown});
    auto it = dgrams_.find(id);
    if (it == dgrams_.end()) return reply->set_value({{}, Err::Closed});
    DgramEntry& d = *it->second;
    DgramEntry::Recv r{buf, std::move(reply)};
    if (d.queue.empty()) {
        d.recvs.push_back(std::move(r));
        return;
    }
    d.queued_bytes -= d.queue.front().data.size();
    answer(r, d.queue.front());
    d.queue.pop_front();
}

void Core::do_cancel_recv(std::uint64_t id, const Reply<Result<Datagram>>& reply) {
    auto it = dgrams_.find(id);
    if (it == dgrams_.end()) return;
    auto& recvs = it->second->recvs;
    for (auto r = recvs.begin(); r != recvs.end(); ++r) {
        if (r->reply != reply) continue;
        r->reply->set_value({{}, Err::TimedOut});
        recvs.erase(r);
        return;
    }
}

void Core::do_dgram_close(std::uint64_t id) {
    auto it = dgrams_.find(id);
    if (it == dgrams_.end()) return;
    for (auto& r : it->second->recvs) r.reply->set_value({{}, Err::Closed});
    dgrams_.erase(it);
}

}  // namespace stack
