#include "stack/watch.hpp"

#include <iostream>

#include "base/bytes.hpp"
#include "base/err_out.hpp"
#include "base/log.hpp"
#include "ip/ipv4.hpp"
#include "link/fault_device.hpp"
#include "os/ports.hpp"
#include "stack/event_loop.hpp"
#include "tcp/segment.hpp"
#include "trace/plot_device.hpp"
#include "trace/trace_device.hpp"

namespace stack {

namespace {

// The host's forwarding decisions as trace lines between the packets.
class ForwardTrace final : public host::ForwardObserver {
public:
    explicit ForwardTrace(trace::TraceDevice& t) : t_(t) {}
    void on_forward(const host::ForwardEvent& e, tcp::Time now) override {
        using W = host::ForwardEvent::What;
        const bool alarm = e.what != W::Forwarded && e.what != W::Fragmented;
        t_.note(trace::Dir::Out, now, ip::addr_to_string(e.src), ip::addr_to_string(e.dst),
                host::describe(e), alarm);
    }

private:
    trace::TraceDevice& t_;
};

}  // namespace

Watched watch_device(std::unique_ptr<l2::Device> dev, const WatchOptions& opts) {
    l2::PcapDevice* pcap = nullptr;
    if (!opts.pcap.empty()) {
        auto p = std::make_unique<l2::PcapDevice>(std::move(dev), opts.pcap);
        pcap = p.get();
        dev = std::move(p);
    }
    l2::FaultDevice* faults = nullptr;
    if (opts.faults.any()) {
        auto f = std::make_unique<l2::FaultDevice>(std::move(dev), opts.faults);
        faults = f.get();
        dev = std::move(f);
    }
    trace::TraceDevice* trace_dev = nullptr;
    if (opts.tracing()) {
        trace::TraceOptions to;
        to.colour = opts.colour;
        to.diagram = opts.diagram;
        to.origin = logx::origin();  // one clock: the log's, since the program started
        auto t = std::make_unique<trace::TraceDevice>(std::move(dev), faults,
                                                      opts.out ? *opts.out : logx::err(), to,
                                                      opts.verbose, &EventLoop::now);
        trace_dev = t.get();
        dev = std::move(t);
    }
    tcp::Observer* observer = trace_dev ? &trace_dev->observer() : nullptr;
    trace::PlotDevice* plot_dev = nullptr;
    if (!opts.plot.empty()) {
        auto p = std::make_unique<trace::PlotDevice>(std::move(dev), faults, opts.plot, observer,
                                                     &EventLoop::now);
        plot_dev = p.get();
        observer = &p->observer();
        dev = std::move(p);
    }
    Watched w;
    w.device = std::move(dev);
    w.observer = observer;
    w.faults = faults;
    if (trace_dev) {
        w.forward = std::make_shared<ForwardTrace>(*trace_dev);
        w.tracer = trace_dev->tracer();
    }
    w.set_receive_filter = [pcap, trace_dev, plot_dev](l2::ReceiveFilter f) {
        if (pcap) pcap->set_receive_filter(f);
        if (trace_dev) trace_dev->set_receive_filter(f);
        if (plot_dev) plot_dev->set_receive_filter(f);
    };
    if (plot_dev) w.finish = [plot_dev] { plot_dev->finish(); };
    return w;
}

std::unique_ptr<l2::Device> watch_more(std::unique_ptr<l2::Device> dev, const WatchOptions& opts,
                                       const Watched& first) {
    if (!opts.tracing() || !first.tracer) return dev;
    trace::TraceOptions to;
    to.colour = opts.colour;
    to.diagram = opts.diagram;
    return std::make_unique<trace::TraceDevice>(std::move(dev), nullptr,
                                                opts.out ? *opts.out : logx::err(), to, opts.verbose,
                                                &EventLoop::now,
                                                std::static_pointer_cast<trace::Tracer>(first.tracer));
}

l2::ReceiveFilter own_ports_filter(std::shared_ptr<const os::PortTable> ports) {
    return [ports = std::move(ports)](base::Bytes p) {
        // The raw TCP socket only gets TCP; anything we cannot read the
        // ports of is kept, so that the trace can say what was wrong with it.
        auto v = ip::parse_ipv4(p, /*verify=*/false);
        if (!v || v->header.protocol != ip::kProtoTcp) return true;
        auto seg = tcp::parse(v->payload, v->header.src, v->header.dst, /*verify=*/false);
        if (!seg) return true;
        return ports->owns(v->header.dst, seg->header.dst_port);
    };
}

}  // namespace stack
