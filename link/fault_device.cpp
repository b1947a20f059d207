#include "link/fault_device.hpp"

#include <cstring>
#include <thread>

#include "base/log.hpp"

namespace l2 {

namespace {
// The most a departing process waits to send its held packets.
constexpr Time kDrainLimit = std::chrono::seconds(2);
}  // namespace

FaultDevice::FaultDevice(std::unique_ptr<Device> inner, FaultConfig cfg)
    : DeviceWrapper(std::move(inner)), faults_(std::move(cfg), "tx") {
    faults_.set_framing(inner_->framing());
    LOG(link, info) << "faults on packets we send: " << describe(faults_.config());
}

FaultDevice::~FaultDevice() {
    const Time until = now() + kDrainLimit;
    while (auto due = faults_.next_deadline()) {
        if (*due > until) break;
        const Time t = now();
        if (*due > t) std::this_thread::sleep_for(*due - t);
        deliver_due(now());
    }
    const auto& c = faults_.counters();
    LOG(link, info) << "faults: " << c.packets << " packets sent, "
                    << c.dropped + c.dropped_nth + c.overflowed << " dropped, " << c.duplicated
                    << " duplicated, " << c.reordered << " reordered, " << c.corrupted
                    << " corrupted";
}

Time FaultDevice::now() {
    return std::chrono::duration_cast<Time>(std::chrono::steady_clock::now().time_since_epoch());
}

int FaultDevice::send_gso(base::Bytes packet, std::uint16_t gso_size) {
    const auto before = faults_.counters();
    const Time t = now();
    const int copies = faults_.push(packet, t, gso_size);
    const auto& after = faults_.counters();
    fate_ = SendFate{.lost = copies == 0,
                     .duplicated = copies == 2,
                     .corrupted = after.corrupted != before.corrupted,
                     .held = false};
    const auto delivered = after.delivered;
    deliver_due(t);
    fate_.held = copies > 0 && faults_.counters().delivered - delivered < std::uint64_t(copies);
    return 0;
}

void FaultDevice::deliver_due(Time t) {
    std::uint16_t gso_size = 0;
    while (faults_.pop(t, out_, &gso_size)) {
        const int err = gso_size ? inner_->send_gso(out_, gso_size) : inner_->send(out_);
        if (err != 0) {
            ++send_errors_;
            LOG(link, debug) << inner_->name() << ": held packet not sent: " << std::strerror(err);
        }
    }
}

std::optional<Time> FaultDevice::next_deadline() const {
    auto mine = faults_.next_deadline();
    auto theirs = inner_->next_deadline();
    if (mine && theirs) return std::min(*mine, *theirs);
    return mine ? mine : theirs;
}

void FaultDevice::on_deadline(Time t) {
    deliver_due(t);
    inner_->on_deadline(t);
}

}  // namespace l2
