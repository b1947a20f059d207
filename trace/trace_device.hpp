// --trace, --diagram, --verbose: a device around the stack's device
// that decodes every packet going in and out with the stack's own parsers
// and prints it as a trace line (trace/packet_trace.hpp), and whose Tracer
// the stack gives to every connection as its tcp::Observer, so that the
// connection's events (state changes, RTO, fast retransmit, cwnd...) land
// between the segments that caused them:
//
//   packet in  -> trace line -> Core -> connection -> events -> segment out -> trace line
//
// It is the outermost wrapper, above the fault injector, so every segment
// TCP sends is traced once, and one the injector dropped is marked LOST.
// Loop thread only (like the Core that calls it). Destroying it draws the
// diagrams of connections that had not ended (TIME-WAIT at exit, say). It
// reads no clock itself: the time of each packet comes from `clock`, the
// event loop's (stack/watch.cpp passes it in).
#pragma once
#include <functional>
#include <memory>
#include <ostream>

#include "link/fault_device.hpp"
#include "link/pcap_device.hpp"
#include "trace/packet_trace.hpp"
#include "trace/trace.hpp"

namespace trace {

class TraceDevice final : public l2::DeviceWrapper, private tcp::Observer {
public:
    using Clock = std::function<tcp::Time()>;

    // `faults` (may be null) is the injector below us, asked what became of
    // each packet sent.
    // `shared`: the Tracer of another interface's TraceDevice, so that a
    // host with several interfaces (a router) prints one trace, one clock.
    TraceDevice(std::unique_ptr<l2::Device> inner, const l2::FaultDevice* faults,
                std::ostream& out, TraceOptions opts, bool verbose, Clock clock,
                std::shared_ptr<Tracer> shared = nullptr);
    ~TraceDevice() override;

    std::optional<l2::Received> receive(base::MutBytes buf) override;
    int send(base::Bytes packet) override { return sent(packet, inner_->send(packet), false); }
    // A TSO super-packet is one line, as tcpdump on a TSO NIC shows it; its
    // checksum is partial (link/gso_checksum.hpp), so the line says "cksum
    // offloaded" as for the kernel's NEEDS_CSUM frames, never BAD CHECKSUM.
    int send_gso(base::Bytes packet, std::uint16_t gso_size) override {
        return sent(packet, inner_->send_gso(packet, gso_size), gso_size != 0);
    }

    // The connections' events go through us to the Tracer, so that the times
    // printed never run backwards (an event carries the time its caller read
    // at the start of its work; a segment line the time it was sent).
    tcp::Observer& observer() { return *this; }
    void set_receive_filter(l2::ReceiveFilter f) { keep_ = std::move(f); }
    const std::shared_ptr<Tracer>& tracer() const { return tracer_; }
    // A line of the host's own (a datagram it forwarded), in the same columns.
    void note(Dir dir, tcp::Time at, std::string_view src, std::string_view dst,
              std::string_view text, bool alarm) {
        tracer_->note(dir, clock(at), src, dst, text, alarm);
    }

private:
    void on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, tcp::Time now) override;
    void trace(const Captured& c);
    // Traces a packet sent (`partial`: its checksum left to the device),
    // returns err.
    int sent(base::Bytes packet, int err, bool partial);
    tcp::Time clock(tcp::Time t);

    const l2::FaultDevice* faults_;
    Clock now_;
    std::shared_ptr<Tracer> tracer_;
    bool verbose_;
    l2::ReceiveFilter keep_;
    tcp::Time last_{0};
};

}  // namespace trace
