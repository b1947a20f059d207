// --plot FILE.svg: a device around the stack's device that feeds every TCP
// segment in and out, and the connections' Observer events, to a
// PlotRecorder (trace/plot.hpp), and writes each connection's graph
// (trace/plot_svg.hpp) when it reaches CLOSED, or when the program ends
// with it still open. The file of a connection is FILE with
// "-<local port>-<peer port>" before its extension (/tmp/t.svg ->
// /tmp/t-40000-8080.svg), so a server's connections each get their own.
//
// It is the outermost wrapper (above --trace's), and forwards the events
// to the trace's Observer when there is one. Loop thread only; it reads no
// clock (`clock` is the event loop's).
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "link/device.hpp"
#include "link/fault_device.hpp"
#include "link/pcap_device.hpp"
#include "trace/plot.hpp"

namespace trace {

// FILE with "-<local port>-<peer port>" inserted before the extension.
std::string plot_file_name(const std::string& base, const tcp::Tuple& t);

class PlotDevice final : public l2::DeviceWrapper, private tcp::Observer {
public:
    using Clock = std::function<tcp::Time()>;

    PlotDevice(std::unique_ptr<l2::Device> inner, const l2::FaultDevice* faults, std::string file,
               tcp::Observer* next, Clock clock);
    ~PlotDevice() override;  // finish()
    // Writes the plots of connections still open (at shutdown); idempotent.
    void finish();

    std::optional<l2::Received> receive(base::MutBytes buf) override;
    int send(base::Bytes packet) override { return sent(packet, inner_->send(packet)); }
    // A super-packet's checksum is partial (link/gso_checksum.hpp); the
    // recorder reads headers only and never checks a sum, so it is drawn
    // as it is: one segment of several MSS.
    int send_gso(base::Bytes packet, std::uint16_t gso_size) override {
        return sent(packet, inner_->send_gso(packet, gso_size));
    }

    tcp::Observer& observer() { return *this; }
    void set_receive_filter(l2::ReceiveFilter f) { keep_ = std::move(f); }

private:
    void on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, tcp::Time now) override;
    void feed(Dir dir, base::Bytes packet, bool lost);
    int sent(base::Bytes packet, int err);  // records a packet sent, returns err
    void write(const std::vector<ConnectionPlot>& plots);

    const l2::FaultDevice* faults_;
    std::string file_;
    tcp::Observer* next_;
    Clock now_;
    l2::ReceiveFilter keep_;
    PlotRecorder recorder_;
};

}  // namespace trace
