#include "link/faults.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <type_traits>
#include <utility>

#include "base/log.hpp"
#include "link/gso.hpp"
#include "link/gso_checksum.hpp"

namespace l2 {

bool FaultConfig::any() const {
    return drop_pct > 0 || !drop_nth.empty() || duplicate_pct > 0 || reorder_pct > 0 ||
           corrupt_pct > 0 || delay > Time{0} || bandwidth > 0 || queue_limit > 0;
}

std::string describe(const FaultConfig& c) {
    std::ostringstream os;
    auto ms = [](Time t) { return static_cast<double>(t.count()) / 1000.0; };
    if (c.drop_pct > 0) os << " drop " << c.drop_pct << "%";
    if (!c.drop_nth.empty()) {
        os << " drop-nth ";
        const char* sep = "";
        for (auto n : c.drop_nth) os << std::exchange(sep, ",") << n;
    }
    if (c.duplicate_pct > 0) os << " duplicate " << c.duplicate_pct << "%";
    if (c.reorder_pct > 0)
        os << " reorder " << c.reorder_pct << "% (up to " << ms(c.reorder_jitter) << "ms)";
    if (c.corrupt_pct > 0) os << " corrupt " << c.corrupt_pct << "%";
    if (c.delay > Time{0}) os << " delay " << ms(c.delay) << "ms";
    if (c.bandwidth > 0) os << " bandwidth " << c.bandwidth << "B/s";
    if (c.queue_limit > 0) os << " queue " << c.queue_limit;
    if (c.seed) os << " seed " << *c.seed;
    const std::string s = os.str();
    return s.empty() ? "none" : s.substr(1);
}

// ---- flags ----------------------------------------------------------------

const std::array<FaultOption, 10> kFaultOptions = {{
    {"drop", "PCT", "lose each packet with this probability (0..100)"},
    {"drop-nth", "N,M,...", "lose the packets with these numbers (1-based, per direction)"},
    {"duplicate", "PCT", "deliver each packet twice with this probability"},
    {"reorder", "PCT", "hold each packet back by a random extra delay with this probability"},
    {"reorder-jitter", "MS", "the largest extra delay of a reordered packet (default 10)"},
    {"corrupt", "PCT", "flip a random byte of each packet with this probability"},
    {"delay", "MS", "one-way delay added to every packet"},
    {"bandwidth", "BYTES/S", "serialize packets at this rate (0 = unlimited)"},
    {"queue", "N", "tail-drop beyond N packets waiting for the bandwidth limit"},
    {"seed", "N", "seed of the fault RNG, for repeatable runs"},
}};

std::optional<std::uint64_t> parse_unsigned(std::string_view s) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

namespace {
std::optional<double> parse_nonnegative(std::string_view s) {
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || !(v >= 0) ||
        v > 1e12)  // also rejects NaN and absurd values before they reach arithmetic
        return std::nullopt;
    return v;
}
}  // namespace

std::optional<double> parse_percent(std::string_view s) {
    auto v = parse_nonnegative(s);
    if (!v || *v > 100) return std::nullopt;
    return v;
}

std::optional<std::set<std::uint64_t>> parse_index_list(std::string_view s) {
    std::set<std::uint64_t> out;
    while (true) {
        const auto comma = s.find(',');
        const auto n = parse_unsigned(s.substr(0, comma));
        if (!n || *n == 0) return std::nullopt;  // 1-based
        out.insert(*n);
        if (comma == std::string_view::npos) return out;
        s.remove_prefix(comma + 1);
    }
}

std::optional<Time> parse_millis(std::string_view s) {
    const auto v = parse_nonnegative(s);
    if (!v) return std::nullopt;
    return Time{static_cast<std::int64_t>(*v * 1000.0 + 0.5)};
}

std::string set_fault_option(FaultConfig& c, std::string_view name, std::string_view value) {
    const std::string flag = "--" + std::string(name) + ": ";
    const std::string bad = flag + "'" + std::string(value) + "' is not ";
    auto percent = [&](double& field) {
        const auto v = parse_percent(value);
        if (!v) return bad + "a percentage in 0..100";
        field = *v;
        return std::string{};
    };
    auto millis = [&](Time& field) {
        const auto v = parse_millis(value);
        if (!v) return bad + "a number of milliseconds";
        field = *v;
        return std::string{};
    };
    auto number = [&](auto& field) {
        const auto v = parse_unsigned(value);
        if (!v) return bad + "a non-negative integer";
        field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
        return std::string{};
    };
    if (name == "drop") return percent(c.drop_pct);
    if (name == "duplicate") return percent(c.duplicate_pct);
    if (name == "reorder") return percent(c.reorder_pct);
    if (name == "corrupt") return percent(c.corrupt_pct);
    if (name == "reorder-jitter") return millis(c.reorder_jitter);
    if (name == "delay") return millis(c.delay);
    if (name == "bandwidth") return number(c.bandwidth);
    if (name == "queue") return number(c.queue_limit);
    if (name == "seed") {
        std::uint64_t seed = 0;
        auto err = number(seed);
        if (err.empty()) c.seed = seed;
        return err;
    }
    if (name == "drop-nth") {
        auto v = parse_index_list(value);
        if (!v) return bad + "a list of packet numbers like 1,5,9";
        c.drop_nth = std::move(*v);
        return {};
    }
    return "unknown fault option --" + std::string(name);
}

// ---- the injector ---------------------------------------------------------

namespace {
// A given seed is the whole point of a repeatable run; only without one do we
// ask the system for entropy.
std::uint64_t seed_or_entropy(const std::optional<std::uint64_t>& seed) {
    if (seed) return *seed;
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) | rd();
}
}  // namespace

FaultInjector::FaultInjector(FaultConfig cfg, std::string name)
    : cfg_(std::move(cfg)), name_(std::move(name)), rng_(seed_or_entropy(cfg_.seed)) {}

bool FaultInjector::later(const Pending& a, const Pending& b) {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
}

// Our own mapping from the 64-bit output to [0, 100), so that a seed gives the
// same faults with any standard library (the distributions are not portable).
bool FaultInjector::chance(double pct) {
    if (pct <= 0) return false;
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // [0, 1)
    return u * 100.0 < pct;
}

Time FaultInjector::transmission_time(std::size_t bytes) const {
    if (cfg_.bandwidth == 0) return Time{0};
    // Rounded up to whole microseconds: a packet is never early.
    return Time{static_cast<std::int64_t>((bytes * 1'000'000ull + cfg_.bandwidth - 1) /
                                          cfg_.bandwidth)};
}

void FaultInjector::put(base::Bytes packet, Time at, std::uint16_t gso_size, bool corrupt,
                        std::uint64_t number) {
    std::vector<std::uint8_t> buf;
    if (!spare_.empty()) {
        buf = std::move(spare_.back());
        spare_.pop_back();
    }
    buf.assign(packet.begin(), packet.end());
    if (corrupt && !buf.empty()) {
        // One byte XORed with a non-zero mask changes one 16-bit word by less
        // than 0xffff, so the ones'-complement sum (RFC 1071) always changes:
        // the IP header or the TCP/ICMP checksum catches it wherever it falls.
        const std::size_t pos = rng_() % buf.size();
        const auto mask = static_cast<std::uint8_t>(1 + rng_() % 255);
        buf[pos] ^= mask;
        ++counters_.corrupted;
        LOG(link, debug) << name_ << ": corrupt packet #" << number << " byte " << pos
                         << " ^= 0x" << std::hex << int{mask};
    }
    queue_.push_back(Pending{at, next_order_++, std::move(buf), gso_size});
    std::push_heap(queue_.begin(), queue_.end(), later);
}

void FaultInjector::enqueue(base::Bytes packet, Time at, std::uint64_t number,
                            std::uint16_t gso_size) {
    const bool corrupt = chance(cfg_.corrupt_pct);
    if (!corrupt || gso_size == 0) return put(packet, at, gso_size, corrupt, number);
    // A super-packet: cut into its pieces here, as the device would have,
    // each with a whole checksum, and one of them damaged, as a bit flipped
    // on the wire after TSO. Left whole, the device would complete the
    // partial sum over the flipped byte and the receiver would never see it.
    const auto tcp = locate_tcp_checksum(packet, framing_);
    if (!tcp) return put(packet, at, gso_size, false, number);
    // As many pieces as segment_tcp cuts: the payload in gso_size parts, one at least.
    const std::size_t payload = tcp->tcp_len - tcp->header_len;
    const std::size_t n = std::max<std::size_t>(1, (payload + gso_size - 1) / gso_size);
    const std::size_t victim = rng_() % n;
    std::size_t i = 0;
    segment_tcp(packet, framing_, gso_size, piece_,
                [&](base::Bytes piece) { put(piece, at, 0, i++ == victim, number); });
}

int FaultInjector::push(base::Bytes packet, Time now, std::uint16_t gso_size) {
    const std::uint64_t number = ++counters_.packets;
    if (cfg_.drop_nth.contains(number)) {
        ++counters_.dropped_nth;
        LOG(link, debug) << name_ << ": drop packet #" << number << " (drop-nth)";
        return 0;
    }
    if (chance(cfg_.drop_pct)) {
        ++counters_.dropped;
        LOG(link, debug) << name_ << ": drop packet #" << number << " (random " << cfg_.drop_pct
                         << "%)";
        return 0;
    }

    // The bottleneck: packets leave one after another at `bandwidth`, and
    // wait in a drop-tail buffer of `queue_limit` packets meanwhile.
    while (!backlog_.empty() && backlog_.front() <= now) backlog_.pop_front();
    if (cfg_.queue_limit > 0 && backlog_.size() >= cfg_.queue_limit) {
        ++counters_.overflowed;
        LOG(link, debug) << name_ << ": drop packet #" << number << " (queue full, "
                         << backlog_.size() << " packets)";
        return 0;
    }
    busy_until_ = std::max(now, busy_until_) + transmission_time(packet.size());
    backlog_.push_back(busy_until_);
    Time at = busy_until_ + cfg_.delay;

    // Reordering after the bottleneck (a second path), so a held-back packet
    // does not hold up the ones behind it.
    if (cfg_.reorder_jitter > Time{0} && chance(cfg_.reorder_pct)) {
        const auto extra =
            Time{1 + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(
                                                            cfg_.reorder_jitter.count()))};
        at += extra;
        ++counters_.reordered;
        LOG(link, debug) << name_ << ": hold packet #" << number << " back " << extra.count()
                         << "us";
    }
    if (at > now) ++counters_.delayed;
    enqueue(packet, at, number, gso_size);
    if (!chance(cfg_.duplicate_pct)) return 1;
    ++counters_.duplicated;
    LOG(link, debug) << name_ << ": duplicate packet #" << number;
    enqueue(packet, at, number, gso_size);
    return 2;
}

std::optional<Time> FaultInjector::pop(Time now, std::vector<std::uint8_t>& out,
                                       std::uint16_t* gso_size) {
    if (queue_.empty() || queue_.front().at > now) return std::nullopt;
    std::pop_heap(queue_.begin(), queue_.end(), later);
    const Time at = queue_.back().at;
    if (gso_size) *gso_size = queue_.back().gso_size;
    out.swap(queue_.back().bytes);
    spare_.push_back(std::move(queue_.back().bytes));  // the caller's old buffer
    queue_.pop_back();
    ++counters_.delivered;
    return at;
}

std::optional<Time> FaultInjector::next_deadline() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.front().at;
}

}  // namespace l2
