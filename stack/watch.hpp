// What a class can watch and provoke, as wrappers around whatever
// device the stack opened, so that every link mode (raw, packet, tap) gets
// them the same way:
//
//   stack (Core) -> PlotDevice -> TraceDevice -> FaultDevice -> PcapDevice -> the real device
//                   --plot        --trace        --drop...      --pcap
//                                 --diagram      --delay...
//                                 --verbose
//
// Outgoing packets meet the fault injector before the pcap writer, so the
// file holds what really went on the wire; the trace sits above both, so it
// shows every segment TCP sent, those the injector dropped marked LOST.
//
// Stack::open applies this to its device. An app that opens a device of its
// own (./ping, say) calls watch_device() itself, with watch_options() from
// app/watch_cli.hpp, and gives `observer` to its connections if it has any.
#pragma once
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "link/device.hpp"
#include "link/faults.hpp"
#include "link/pcap_device.hpp"
#include "host/host.hpp"
#include "tcp/connection.hpp"

namespace os {
class PortTable;
}
namespace l2 {
class FaultDevice;
}

namespace stack {

struct WatchOptions {
    std::string pcap;        // --pcap FILE; empty: none
    l2::FaultConfig faults;  // on packets we send; nothing by default
    bool trace = false;      // --trace: one line per packet, events between
    bool diagram = false;    // --diagram: a ladder when each connection ends
    bool verbose = false;    // --verbose: every header field under each line
    bool colour = false;     // ANSI colours in the trace (the CLI checks isatty)
    std::string plot;        // --plot FILE.svg: each connection's graph (trace/plot_device)
    std::ostream* out = nullptr;  // where the trace goes; null: std::cerr

    bool tracing() const { return trace || diagram || verbose; }
};

struct Watched {
    std::unique_ptr<l2::Device> device;  // the outermost wrapper (or the device)
    tcp::Observer* observer = nullptr;   // for every connection; null without a trace or plot
    const l2::FaultDevice* faults = nullptr;  // the injector, for its counts; null without one
    // --forward's lines in the trace (null without a trace).
    std::shared_ptr<host::ForwardObserver> forward;
    std::shared_ptr<void> tracer;        // to share with other interfaces (watch_more)
    // Which received packets the pcap and the trace keep (all by default).
    std::function<void(l2::ReceiveFilter)> set_receive_filter;
    // At shutdown, once the loop has stopped: writes what is still pending
    // (the plots of connections not yet closed). Empty when nothing is.
    std::function<void()> finish;
};

// Wraps `dev` as `opts` asks; returns it unchanged when nothing is asked.
// Throws l2::DeviceError when the pcap file cannot be written.
Watched watch_device(std::unique_ptr<l2::Device> dev, const WatchOptions& opts);

// Another interface of the same host (a router's second): only the trace,
// sharing `first`'s tracer so both print as one; --pcap and the faults stay
// on the first interface.
std::unique_ptr<l2::Device> watch_more(std::unique_ptr<l2::Device> dev, const WatchOptions& opts,
                                       const Watched& first);

// Raw mode: the raw socket hands us every TCP packet of the host (raw(7)),
// the kernel's own connections and, on loopback, our own packets coming back
// in. Only those to a port this stack holds are ours to record: the same
// packets the stack itself acts on (stack/ingress.cpp).
l2::ReceiveFilter own_ports_filter(std::shared_ptr<const os::PortTable> ports);

}  // namespace stack
