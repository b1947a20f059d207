#include "trace/plot_device.hpp"

#include <fstream>

#include "base/log.hpp"
#include "trace/plot_svg.hpp"

namespace trace {

std::string plot_file_name(const std::string& base, const tcp::Tuple& t) {
    const std::string ports = "-" + std::to_string(t.local_port) + "-" + std::to_string(t.remote_port);
    const auto slash = base.find_last_of('/');
    const auto dot = base.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash) ||
        dot == (slash == std::string::npos ? 0 : slash + 1))
        return base + ports;
    return base.substr(0, dot) + ports + base.substr(dot);
}

PlotDevice::PlotDevice(std::unique_ptr<l2::Device> inner, const l2::FaultDevice* faults,
                       std::string file, tcp::Observer* next, Clock clock)
    : DeviceWrapper(std::move(inner)), faults_(faults), file_(std::move(file)), next_(next),
      now_(std::move(clock)) {}

PlotDevice::~PlotDevice() { finish(); }

void PlotDevice::finish() { write(recorder_.finish()); }

void PlotDevice::feed(Dir dir, base::Bytes p, bool lost) {
    recorder_.packet(dir, now_(), p, inner_->framing() == l2::Framing::Ethernet, lost);
}

std::optional<l2::Received> PlotDevice::receive(base::MutBytes buf) {
    auto r = inner_->receive(buf);
    if (!r) return r;
    const base::Bytes p(buf.data(), std::min(r->length, buf.size()));
    if (!keep_ || keep_(p)) feed(Dir::In, p, false);
    return r;
}

int PlotDevice::sent(base::Bytes packet, int err) {
    feed(Dir::Out, packet, faults_ && faults_->last_fate().lost);
    return err;
}

void PlotDevice::on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, tcp::Time now) {
    if (next_) next_->on_event(t, e, now);
    recorder_.on_event(t, e, now);
    if (e.kind == tcp::TraceEvent::Kind::StateChange && e.to == tcp::State::Closed)
        write(recorder_.take_finished());
}

void PlotDevice::write(const std::vector<ConnectionPlot>& plots) {
    for (const auto& p : plots) {
        if (p.sent.empty() && p.acks.empty()) continue;
        const std::string name = plot_file_name(file_, p.tuple);
        std::ofstream f(name, std::ios::trunc);
        f << render_plot_svg(p);
        f.close();
        if (f) LOG(app, info) << "plot: wrote " << name;
        else LOG(app, error) << "plot: cannot write " << name;
    }
}

}  // namespace trace
