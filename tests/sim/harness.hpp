// Test harness for the sim ring: TCP connections driven on a virtual clock.
//
// * Recorder: a SegmentSink that serializes every segment (checksum and
//   all, as the stack would) and keeps the parsed copy for assertions.
// * Scripted: one real Connection and a test that plays the peer by hand.
// * Pair: two Connections, A (10.0.0.1) actively opening to B (10.0.0.2,
//   which accepts the first SYN like a listener), joined by link::SimLink
//   with optional faults.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "link/sim.hpp"
#include "tcp/connection.hpp"
#include "tcp/segment.hpp"

namespace sim {

using namespace std::chrono_literals;
using tcp::Time;

constexpr std::uint32_t kIpA = 0x0a000001;  // 10.0.0.1
constexpr std::uint32_t kIpB = 0x0a000002;  // 10.0.0.2

// A segment as it went on the wire, with its bytes kept alive.
struct Wire {
    std::vector<std::uint8_t> bytes;  // the TCP segment (no IP header)
    std::uint32_t src = 0, dst = 0;
    tcp::Header h;
    std::vector<std::uint8_t> payload;
    Time at{0};
    std::uint16_t gso_size = 0;  // a super-segment's piece size (TSO), else 0

    bool is(std::uint8_t flags) const { return h.flags == flags; }
    tcp::SegmentView view() const;  // parsed from `bytes`
};

class Recorder : public tcp::SegmentSink {
public:
    std::vector<Wire> sent;
    Time now{0};
    std::function<void(Wire&)> on_send;  // forwards onto a link

    void send_segment(const tcp::Tuple& t, const tcp::Header& h, base::Bytes p1, base::Bytes p2,
                      std::uint16_t gso_size) override;
    // Segments sent since the last call.
    std::vector<Wire> take();

private:
    std::size_t taken_ = 0;
};

// Builds a segment the test "sends" to a connection.
struct SegSpec {
    tcp::Seq seq = 0, ack = 0;
    std::uint8_t flags = tcp::flag::ACK;
    std::uint16_t window = 65535;
    std::string data;
    tcp::Options options;
};
// A view over storage owned by `keep` (valid while it lives).
tcp::SegmentView make_segment(const tcp::Tuple& to, const SegSpec& s,
                              std::vector<std::uint8_t>& keep);

// One connection and a hand-played peer. Time is advanced explicitly.
struct Scripted {
    tcp::Tuple tuple{kIpA, 40000, kIpB, 80};  // local side is ours
    tcp::Config cfg;
    Recorder out;
    std::unique_ptr<tcp::Connection> conn;
    Time now{0};
    std::vector<std::uint8_t> keep;

    explicit Scripted(tcp::Config c = {}) : cfg(c) {}
    void connect(tcp::Seq iss);
    void accept(tcp::Seq iss, const SegSpec& syn);
    void deliver(const SegSpec& s);
    // Runs timers up to `until`.
    void advance(tcp::Duration d);
    std::vector<Wire> take() { return out.take(); }
};

// A scripted connection already ESTABLISHED: our ISS 1000, the peer's 5000;
// the peer's SYN-ACK offers `peer_window` and `peer_mss` and no other option.
Scripted established(tcp::Config cfg = {}, std::uint16_t peer_window = 65535,
                     std::optional<std::uint16_t> peer_mss = 1460);

struct Pair {
    tcp::Config cfg_a, cfg_b;
    // Faults per direction (link/faults.hpp), fixed when open() builds the
    // link; drop_next() adds more later. Both default to a 5 ms delay.
    l2::FaultConfig a_to_b = default_faults(), b_to_a = default_faults();
    std::uint64_t seed = 1;
    static l2::FaultConfig default_faults() {
        l2::FaultConfig f;
        f.delay = 5ms;
        return f;
    }
    // Loses the packets `from` sends `offsets` packets from now (1 = next).
    void drop_next(l2::Side from, std::initializer_list<int> offsets);
    std::uint64_t packets_sent(l2::Side from) const;
    tcp::Seq iss_a = 1000, iss_b = 5000;
    // For traces: each segment as a side hands it to the link (`lost` when
    // the link's faults drop it), and as a side receives it, before its
    // connection sees it; observers are set when the connections are made.
    std::function<void(l2::Side from, const Wire& w, bool lost)> on_sent;
    std::function<void(l2::Side to, const tcp::SegmentView& seg)> on_received;
    tcp::Observer* observer_a = nullptr;
    tcp::Observer* observer_b = nullptr;

    Pair();
    ~Pair();
    // Opens A -> B and runs until both are ESTABLISHED (or the limit).
    bool open(tcp::Duration limit = 30s);
    // Runs the clock until pred() is true or `limit` of virtual time passes.
    bool run_until(const std::function<bool()>& pred, tcp::Duration limit);
    // Transfers `a_data` from A to B and `b_data` from B to A concurrently,
    // reading everything; true if both arrive intact in time.
    bool transfer(const std::vector<std::uint8_t>& a_data, const std::vector<std::uint8_t>& b_data,
                  tcp::Duration limit);

    tcp::Connection* a() { return conn_a.get(); }
    tcp::Connection* b() { return conn_b.get(); }
    Time now{0};
    Recorder out_a, out_b;
    std::unique_ptr<tcp::Connection> conn_a, conn_b;
    std::vector<std::uint8_t> got_a, got_b;  // bytes read by A / by B
    std::uint64_t corrupt_dropped = 0;       // caught by a checksum (IP or TCP)
    bool b_paused = false;                   // B's application stops reading

    struct Impl;
    std::unique_ptr<Impl> impl;

    void drain_reads();
};

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint64_t seed);

}  // namespace sim
