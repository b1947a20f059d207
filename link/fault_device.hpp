// Faults on demand: a device around any device that passes every
// outgoing packet through an l2::FaultInjector (link/faults.hpp), so that
// --drop, --drop-nth, --delay, --reorder, --duplicate and --corrupt work the
// same in every link mode. Received packets pass untouched: the faults are
// those of the path from us to the peer, and the peer's own stack (often the
// kernel) is not ours to disturb.
//
//   stack -> FaultDevice::send -> injector (lost / held / doubled / flipped)
//                                     -> inner.send when the packet is due
//
// Held packets go out from send() (when they are already due) or from
// on_deadline(), which the event loop calls at next_deadline(). Destroying
// the device sends what is still held, at its due time (the process is
// leaving, but the last ACK of a close must still reach the peer).
#pragma once
#include <memory>
#include <vector>

#include "link/device.hpp"
#include "link/faults.hpp"

namespace l2 {

// What happened to the last packet given to send(), for the trace.
struct SendFate {
    bool lost = false;       // dropped by --drop, --drop-nth or a full queue
    bool duplicated = false; // two copies queued
    bool corrupted = false;  // a copy had a byte flipped
    bool held = false;       // not sent yet: delayed or reordered
};

class FaultDevice final : public DeviceWrapper {
public:
    FaultDevice(std::unique_ptr<Device> inner, FaultConfig cfg);
    ~FaultDevice() override;

    // Always 0 for a packet the injector took: to TCP a lost packet is a
    // packet sent. The inner device's errors on held packets are counted.
    int send(base::Bytes packet) override { return send_gso(packet, 0); }
    // A TSO super-packet is one packet to the injector: --drop-nth counts it
    // once, and it is lost, held or doubled whole; one to be corrupted is
    // cut into its pieces by the injector (link/gso), each with a whole
    // checksum, one damaged, and they go out through send(), so the
    // receiver's checksum catches it.
    int send_gso(base::Bytes packet, std::uint16_t gso_size) override;
    std::optional<Time> next_deadline() const override;
    void on_deadline(Time now) override;

    const SendFate& last_fate() const { return fate_; }
    const FaultInjector& injector() const { return faults_; }
    std::uint64_t send_errors() const { return send_errors_; }

    // The event loop's clock (steady_clock, as stack::EventLoop::now()).
    static Time now();

private:
    void deliver_due(Time now);

    FaultInjector faults_;
    SendFate fate_;
    std::vector<std::uint8_t> out_;
    std::uint64_t send_errors_ = 0;
};

}  // namespace l2
