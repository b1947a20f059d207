#include "ip/reassembly.hpp"

#include <algorithm>
#include <cstring>

#include "base/log.hpp"
#include "ip/checksum.hpp"

namespace ip {

namespace {
// RFC 791 3.1: Total Length is 16 bits, header included.
constexpr std::size_t kMaxDatagram = 65535;
// What a piece and a datagram cost beyond their data (map node, vector
// header, the struct). Charging it bounds a flood of 8-byte fragments by
// count as well as by bytes.
constexpr std::size_t kPieceOverhead = 64;
constexpr std::size_t kDatagramOverhead = 256;

// The header `h` with `options` after it, IHL and checksum to match.
std::size_t write_header(std::uint8_t* out, const Ipv4Header& h, base::Bytes options) {
    const std::size_t hlen = kIpv4HeaderLen + options.size();
    build_ipv4_header(base::MutBytes(out, kIpv4HeaderLen), h);
    if (!options.empty()) {
        out[0] = static_cast<std::uint8_t>(0x40 | (hlen / 4));
        std::memcpy(out + kIpv4HeaderLen, options.data(), options.size());
        base::put_u16(out + 10, 0);
        base::put_u16(out + 10, checksum(base::Bytes(out, hlen)));
    }
    return hlen;
}

std::string describe(std::uint32_t src, std::uint32_t dst, std::uint8_t protocol,
                     std::uint16_t id) {
    return addr_to_string(src) + " > " + addr_to_string(dst) + " proto " +
           std::to_string(protocol) + " id " + std::to_string(id);
}
}  // namespace

std::size_t Reassembler::KeyHash::operator()(const Key& k) const noexcept {
    const std::uint64_t a = (std::uint64_t{k.src} << 32) | k.dst;
    const std::uint64_t b = (std::uint64_t{k.protocol} << 16) | k.id;
    const std::uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    return static_cast<std::size_t>(h ^ (h >> 32));
}

Reassembler::Reassembler(ReassemblyLimits limits, TimeExceeded on_time_exceeded)
    : limits_(limits), on_time_exceeded_(std::move(on_time_exceeded)) {}

std::optional<std::vector<std::uint8_t>> Reassembler::add(const Ipv4View& fragment, Time now) {
    ++counters_.fragments;
    const Ipv4Header& h = fragment.header;
    const std::string what = LOG_ENABLED(ip, debug)
                                 ? describe(h.src, h.dst, h.protocol, h.id)
                                 : std::string();
    const std::size_t begin = std::size_t{h.frag_offset} * 8;
    const std::size_t end = begin + fragment.payload.size();
    const bool last = !h.mf;
    if (!well_formed(fragment, end, what)) return std::nullopt;

    const Key key{h.src, h.dst, h.protocol, h.id};
    auto it = datagrams_.find(key);
    const bool is_new = it == datagrams_.end();
    // Under pressure the oldest incomplete datagrams make room: a flood of
    // fragments that never complete cannot lock out the datagrams after it.
    while (is_new && datagrams_.size() >= limits_.max_datagrams && evict_oldest(key)) {
    }
    if (is_new && datagrams_.size() >= limits_.max_datagrams) {
        ++counters_.no_memory;
        LOG(ip, debug) << "fragment " << what << ": " << datagrams_.size()
                       << " datagrams already in reassembly; dropped";
        return std::nullopt;
    }
    const Datagram empty;
    const Datagram& d = is_new ? empty : it->second;

    if (contradicts_end(d, end, last)) {
        ++counters_.malformed;
        LOG(ip, debug) << "fragment " << what << ": [" << begin << ", " << end
                       << ") contradicts the datagram's end; dropped";
        return std::nullopt;
    }
    const std::vector<Gap> fresh = gaps(d, begin, end);
    std::size_t fresh_bytes = 0;
    for (const Gap& g : fresh) fresh_bytes += g.end - g.begin;
    const bool is_first = begin == 0 && !d.first;

    // The memory bound: charge what this fragment would add, and refuse it
    // whole if that does not fit.
    const std::size_t cost = fresh_bytes + fresh.size() * kPieceOverhead +
                             (is_new ? kDatagramOverhead : 0) +
                             (is_first ? fragment.options.size() : 0);
    while (bytes_ + cost > limits_.max_bytes && evict_oldest(key)) {
    }
    if (bytes_ + cost > limits_.max_bytes) {
        ++counters_.no_memory;
        LOG(ip, debug) << "fragment " << what << ": reassembly memory full (" << bytes_ << " of "
                       << limits_.max_bytes << " bytes); dropped";
        return std::nullopt;
    }
    if (fresh_bytes < end - begin) {
        ++counters_.overlapping;
        LOG(ip, debug) << "fragment " << what << ": [" << begin << ", " << end << ") overlaps; "
                       << (end - begin - fresh_bytes) << " bytes already held are kept";
    }

    // RFC 1122 3.3.2: a fixed timeout from the first fragment to arrive.
    if (is_new) {
        it = datagrams_.try_emplace(key).first;
        it->second.deadline = now + limits_.timeout;
    }
    Datagram& dg = it->second;
    for (const Gap& g : fresh) {
        const auto from = fragment.payload.begin() + static_cast<std::ptrdiff_t>(g.begin - begin);
        dg.pieces.emplace(g.begin, std::vector<std::uint8_t>(
                                       from, from + static_cast<std::ptrdiff_t>(g.end - g.begin)));
    }
    dg.received += fresh_bytes;
    if (last) dg.length = end;
    // RFC 791 3.2: the reassembled datagram takes the first fragment's header.
    if (is_first) {
        dg.first = h;
        dg.first_options.assign(fragment.options.begin(), fragment.options.end());
    }
    dg.charged += cost;
    bytes_ += cost;
    return take_if_whole(it, what);
}

bool Reassembler::well_formed(const Ipv4View& fragment, std::size_t end, const std::string& what) {
    // RFC 791 3.2: offsets count 8-octet units, so every fragment but the
    // last carries a non-zero multiple of 8 octets.
    if (fragment.header.mf && (fragment.payload.empty() || fragment.payload.size() % 8 != 0)) {
        ++counters_.malformed;
        LOG(ip, debug) << "fragment " << what << ": " << fragment.payload.size()
                       << " data bytes with MF set, not a multiple of 8; dropped";
        return false;
    }
    // RFC 791 3.1: no datagram exceeds 65535 octets; data past 65535 - 20
    // belongs to none (the "ping of death").
    if (kIpv4HeaderLen + end > kMaxDatagram) {
        ++counters_.too_long;
        LOG(ip, debug) << "fragment " << what << ": ends at " << end
                       << ", past the largest datagram; dropped";
        return false;
    }
    return true;
}

std::optional<std::vector<std::uint8_t>> Reassembler::take_if_whole(Table::iterator it,
                                                                     const std::string& what) {
    const Datagram& dg = it->second;
    if (!dg.first || !dg.length || dg.received != *dg.length) return std::nullopt;
    // Whole: the pieces are disjoint and inside [0, length), so holding
    // `length` bytes means holding every one of them.
    if (kIpv4HeaderLen + dg.first_options.size() + *dg.length > kMaxDatagram) {
        ++counters_.too_long;
        LOG(ip, debug) << "datagram " << what << ": header and data exceed 65535; discarded";
        discard(it);
        return std::nullopt;
    }
    std::vector<std::uint8_t> whole = assemble(dg);
    ++counters_.reassembled;
    LOG(ip, debug) << "datagram " << what << ": reassembled, " << whole.size() << " bytes from "
                   << dg.pieces.size() << " pieces";
    discard(it);
    return whole;
}

// RFC 815's holes, for one fragment: the parts of [begin, end) that no piece
// covers. Everything else the fragment carries is already held and stays.
std::vector<Reassembler::Gap> Reassembler::gaps(const Datagram& d, std::size_t begin,
                                                std::size_t end) {
    std::vector<Gap> out;
    std::size_t at = begin;
    auto it = d.pieces.upper_bound(begin);
    if (it != d.pieces.begin()) {
        const auto& [offset, data] = *std::prev(it);
        at = std::max(at, offset + data.size());  // the piece starting before `begin`
    }
    for (; at < end && it != d.pieces.end() && it->first < end; ++it) {
        if (it->first > at) out.push_back({at, it->first});
        at = std::max(at, it->first + it->second.size());
    }
    if (at < end) out.push_back({at, end});
    return out;
}

// Keep-first applied to the datagram's length: the first fragment with MF=0
// fixes it; a fragment that disagrees with it, or data already held, is the
// one that loses.
bool Reassembler::contradicts_end(const Datagram& d, std::size_t end, bool last) {
    if (d.length) return last ? end != *d.length : end > *d.length;
    if (!last || d.pieces.empty()) return false;
    const auto& [offset, data] = *d.pieces.rbegin();
    return offset + data.size() > end;
}

std::vector<std::uint8_t> Reassembler::assemble(const Datagram& d) {
    const std::size_t hlen = kIpv4HeaderLen + d.first_options.size();
    std::vector<std::uint8_t> out(hlen + *d.length);
    Ipv4Header h = *d.first;
    h.total_length = static_cast<std::uint16_t>(out.size());
    h.mf = false;
    h.frag_offset = 0;
    write_header(out.data(), h, d.first_options);
    for (const auto& [offset, data] : d.pieces)
        std::memcpy(out.data() + hlen + offset, data.data(), data.size());
    return out;
}

// RFC 792 Time Exceeded: "Internet Header + 64 bits of Original Data
// Datagram"; RFC 1122 3.3.2 says which: the first fragment's, saved for this.
std::vector<std::uint8_t> Reassembler::time_exceeded_quote(const Datagram& d) {
    const std::vector<std::uint8_t>& first_data = d.pieces.begin()->second;  // offset 0
    const std::size_t n = std::min<std::size_t>(8, first_data.size());
    std::vector<std::uint8_t> quote(kIpv4HeaderLen + d.first_options.size() + n);
    const std::size_t hlen = write_header(quote.data(), *d.first, d.first_options);
    std::memcpy(quote.data() + hlen, first_data.data(), n);
    return quote;
}

void Reassembler::on_timer(Time now) {
    for (auto it = datagrams_.begin(); it != datagrams_.end();) {
        if (it->second.deadline > now) {
            ++it;
            continue;
        }
        const Key k = it->first;
        ++counters_.timed_out;
        LOG(ip, debug) << "datagram " << describe(k.src, k.dst, k.protocol, k.id)
                       << ": reassembly timed out with " << it->second.received << " bytes"
                       << (it->second.first ? "; time exceeded to the source" : "");
        // RFC 1122 3.3.2: discard it, and send Time Exceeded "if fragment
        // zero has been received" (without it there is no header to quote).
        std::optional<std::vector<std::uint8_t>> quote;
        if (it->second.first) quote = time_exceeded_quote(it->second);
        it = discard(it);
        if (quote && on_time_exceeded_) on_time_exceeded_(*quote);
    }
}

std::optional<Time> Reassembler::next_deadline() const {
    std::optional<Time> earliest;
    for (const auto& [key, d] : datagrams_)
        if (!earliest || d.deadline < *earliest) earliest = d.deadline;
    return earliest;
}

bool Reassembler::evict_oldest(const Key& keep) {
    auto oldest = datagrams_.end();
    for (auto it = datagrams_.begin(); it != datagrams_.end(); ++it)
        if (!(it->first == keep) && (oldest == datagrams_.end() || it->second.deadline < oldest->second.deadline))
            oldest = it;
    if (oldest == datagrams_.end()) return false;
    ++counters_.evicted;
    LOG(ip, debug) << "datagram " << describe(oldest->first.src, oldest->first.dst, oldest->first.protocol,
                                               oldest->first.id)
                   << ": evicted with " << oldest->second.received << " bytes, to make room";
    discard(oldest);
    return true;
}

Reassembler::Table::iterator Reassembler::discard(Table::iterator it) {
    bytes_ -= it->second.charged;
    return datagrams_.erase(it);
}

}  // namespace ip
