#include "trace/trace_device.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "base/bytes.hpp"
#include "ip/checksum.hpp"
#include "ip/ipv4.hpp"
#include "link/ethernet.hpp"
#include "trace/packet_trace.hpp"

namespace trace {

namespace {

// A packet that never left the host (loopback, a veth peer with offload)
// may carry only the pseudo-header part of its TCP/UDP checksum (the
// kernel's CHECKSUM_PARTIAL): the trace says "cksum offloaded" for those.
// Our own packets looped back carry a full checksum; they are checked like
// any other, so that the remark appears only where it is true.
bool checksum_verifies(base::Bytes p, l2::Framing framing) {
    if (framing == l2::Framing::Ethernet) {
        // RFC 894: IPv4 over Ethernet.
        auto eth = l2::parse_ethernet(p);
        if (!eth || eth->header.type != l2::ethertype::IPv4) return true;
        p = eth->payload;
    }
    auto v = ip::parse_ipv4(p, /*verify=*/false);
    if (!v || v->header.is_fragment()) return true;
    const auto proto = v->header.protocol;
    if (proto != ip::kProtoTcp && proto != ip::kProtoUdp) return true;
    return ip::transport_checksum_ok(v->header.src, v->header.dst, proto, v->payload);
}

}  // namespace

TraceDevice::TraceDevice(std::unique_ptr<l2::Device> inner, const l2::FaultDevice* faults,
                         std::ostream& out, TraceOptions opts, bool verbose, Clock clock,
                         std::shared_ptr<Tracer> shared)
    : DeviceWrapper(std::move(inner)),
      faults_(faults),
      now_(std::move(clock)),
      tracer_(shared ? std::move(shared) : std::make_shared<Tracer>(out, opts)),
      verbose_(verbose) {}

TraceDevice::~TraceDevice() { tracer_->finish(); }

tcp::Time TraceDevice::clock(tcp::Time t) {
    last_ = std::max(last_, t);
    return last_;
}

void TraceDevice::on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, tcp::Time now) {
    tracer_->on_event(t, e, clock(now));
}

void TraceDevice::trace(const Captured& c) {
    if (inner_->framing() == l2::Framing::Ethernet)
        trace_frame(*tracer_, c, verbose_);
    else
        trace_ipv4(*tracer_, c, verbose_);
}

std::optional<l2::Received> TraceDevice::receive(base::MutBytes buf) {
    auto r = inner_->receive(buf);
    if (!r) return r;
    const base::Bytes p(buf.data(), std::min(r->length, buf.size()));
    if (keep_ && !keep_(p)) return r;
    // Traced before the stack sees it, so the events it causes come after.
    trace(Captured{.dir = Dir::In,
                   .at = clock(now_()),
                   .bytes = p,
                   .checksum_not_ready = r->checksum_trusted && !checksum_verifies(p, inner_->framing()),
                   .lost = false});
    return r;
}

int TraceDevice::sent(base::Bytes packet, int err, bool partial) {
    const l2::SendFate fate = faults_ ? faults_->last_fate() : l2::SendFate{};
    trace(Captured{.dir = Dir::Out,
                   .at = clock(now_()),
                   .bytes = packet,
                   // Whole, but for a super-packet's: the device finishes it.
                   .checksum_not_ready = partial,
                   .lost = fate.lost});
    if (fate.duplicated) tracer_->detail("^ sent twice (fault injector: --duplicate)");
    if (fate.corrupted)
        tracer_->detail("^ a byte flipped on the way (fault injector: --corrupt); the receiver's "
                       "checksum will catch it");
    if (err != 0)
        tracer_->detail(std::string("^ not sent: ") + std::strerror(err) + " (TCP will retransmit)");
    return err;
}

}  // namespace trace
