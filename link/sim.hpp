// An in-memory link between two endpoints, side A and side B, that carries
// IPv4 packets as bytes on a virtual clock: the wire of the simulation tests.
// Each direction is a FaultInjector (link/faults.hpp) with its own delay,
// bandwidth, bottleneck queue and faults, so a test can run a whole TCP
// conversation with loss, duplication, reordering and corruption in
// microseconds, deterministically. Time only comes in as arguments.
//
//   l2::SimLink link(cfg);                      // the same faults both ways
//   link.send(l2::Side::A, packet, now);
//   while (link.poll(l2::Side::B, now, buf)) b.input(buf, now);
//   // then move `now` to the earliest of link.next_deadline() and the
//   // endpoints' own timer deadlines, and repeat
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "link/faults.hpp"

namespace l2 {

enum class Side : std::uint8_t { A, B };
constexpr Side other(Side s) { return s == Side::A ? Side::B : Side::A; }
std::string_view to_string(Side s);  // "A", "B"

// Whether a tapped packet leaves or reaches the side it is reported for.
enum class TapDir : std::uint8_t { Out, In };

class SimLink {
public:
    // Sees every packet as `side` would capture it: Out when it sends (before
    // any fault), In when it receives (after them, so possibly corrupted). A
    // pcap of side A is every call with side == A.
    using Tap = std::function<void(Side side, TapDir dir, base::Bytes packet, Time t)>;

    // The same configuration both ways. With a seed, B->A uses a seed derived
    // from it, so the two directions do not lose the same packet numbers.
    explicit SimLink(const FaultConfig& both = {});
    SimLink(const FaultConfig& a_to_b, const FaultConfig& b_to_a);

    // `from` puts a packet on the wire toward the other side at `now`.
    void send(Side from, base::Bytes packet, Time now);
    // The next packet for `to` whose delivery time is <= now, into `out`;
    // returns that delivery time, or nullopt when none is due. Delivery-time
    // order, ties in send order.
    std::optional<Time> poll(Side to, Time now, std::vector<std::uint8_t>& out);

    // The earliest pending delivery in either direction, or toward `to`.
    std::optional<Time> next_deadline() const;
    std::optional<Time> next_deadline(Side to) const;

    // The direction carrying what `from` sends: its config and counters.
    const FaultInjector& from(Side from) const { return dir_[index(from)]; }
    FaultInjector& from(Side from) { return dir_[index(from)]; }

    void set_tap(Tap tap) { tap_ = std::move(tap); }

private:
    static int index(Side from) { return from == Side::A ? 0 : 1; }

    FaultInjector dir_[2];  // [0] carries A->B, [1] carries B->A
    Tap tap_;
};

}  // namespace l2
