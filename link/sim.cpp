#include "link/sim.hpp"

#include <algorithm>

namespace l2 {

std::string_view to_string(Side s) { return s == Side::A ? "A" : "B"; }

namespace {
FaultConfig reseeded(FaultConfig c) {
    if (c.seed) c.seed = *c.seed ^ 0x9e3779b97f4a7c15ull;  // any fixed, distinct stream
    return c;
}
}  // namespace

SimLink::SimLink(const FaultConfig& both) : SimLink(both, reseeded(both)) {}

SimLink::SimLink(const FaultConfig& a_to_b, const FaultConfig& b_to_a)
    : dir_{FaultInjector(a_to_b, "sim A->B"), FaultInjector(b_to_a, "sim B->A")} {}

void SimLink::send(Side from, base::Bytes packet, Time now) {
    if (tap_) tap_(from, TapDir::Out, packet, now);
    dir_[index(from)].push(packet, now);
}

std::optional<Time> SimLink::poll(Side to, Time now, std::vector<std::uint8_t>& out) {
    const auto at = dir_[index(other(to))].pop(now, out);
    if (at && tap_) tap_(to, TapDir::In, out, *at);
    return at;
}

std::optional<Time> SimLink::next_deadline(Side to) const {
    return dir_[index(other(to))].next_deadline();
}

std::optional<Time> SimLink::next_deadline() const {
    const auto a = next_deadline(Side::A), b = next_deadline(Side::B);
    if (!a) return b;
    if (!b) return a;
    return std::min(*a, *b);
}

}  // namespace l2
