#include "tcp/listener.hpp"

#include <algorithm>

namespace tcp {

Listener::Listener(std::uint32_t addr, std::uint16_t port, std::size_t backlog)
    : addr_(addr),
      port_(port),
      backlog_(std::max<std::size_t>(backlog, 1)),
      syn_backlog_(std::max<std::size_t>(backlog_, 16)) {}

Listener::Verdict Listener::on_segment(const Header& h) const {
    if (h.has(flag::RST)) return Verdict::Ignore;  // "first check for an RST"
    if (h.has(flag::ACK)) return Verdict::Reset;   // "second check for an ACK"
    if (!h.has(flag::SYN)) return Verdict::Ignore; // "fourth other text or control"
    // "third check for a SYN": only if there is room in both queues.
    if (accept_queue_full()) return Verdict::Full;
    if (half_open_ >= syn_backlog_) return Verdict::SynQueueFull;
    return Verdict::Open;
}

void Listener::opened(Id) { ++half_open_; }

void Listener::established(Id id) {
    if (half_open_ > 0) --half_open_;
    ready_.push_back(id);
}

bool Listener::from_cookie(Id id) {
    if (accept_queue_full()) return false;
    ready_.push_back(id);
    return true;
}

void Listener::died(Id id, bool was_established) {
    if (!was_established) {
        if (half_open_ > 0) --half_open_;
        return;
    }
    std::erase(ready_, id);
}

std::optional<Listener::Id> Listener::accept() {
    if (ready_.empty()) return std::nullopt;
    const Id id = ready_.front();
    ready_.pop_front();
    return id;
}

}  // namespace tcp
