// The plot recorder (trace/plot.hpp) fed segments alone, as a capture-file
// reader would, and events as the stack does; the SVG writer's output
// checked for what a reader must find in it.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "trace/plot.hpp"
#include "trace/plot_device.hpp"
#include "trace/plot_svg.hpp"

using namespace trace;
using tcp::Time;

namespace {
constexpr std::uint32_t kA = 0x0a000001, kB = 0x0a000002;
constexpr tcp::Seq kIss = 1000, kIrs = 9000;

tcp::Header hdr(tcp::Seq seq, tcp::Seq ack, std::uint8_t flags, std::uint16_t win = 1000) {
    tcp::Header h;
    h.src_port = 40000;
    h.dst_port = 80;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.window = win;
    return h;
}
tcp::Header back(tcp::Header h) {
    std::swap(h.src_port, h.dst_port);
    return h;
}

// A handshake, three data segments of 100 bytes, the second lost and sent
// again after the third, and the peer's ACKs (one with a SACK block).
void feed_transfer(PlotRecorder& r) {
    using namespace tcp::flag;
    auto out = [&](int ms, const tcp::Header& h, std::size_t len) {
        r.segment(Dir::Out, Time{ms * 1000}, kA, kB, h, len);
    };
    auto in = [&](int ms, const tcp::Header& h) { r.segment(Dir::In, Time{ms * 1000}, kB, kA, back(h), 0); };
    out(0, hdr(kIss, 0, SYN), 0);
    in(10, hdr(kIrs, kIss + 1, SYN | ACK));
    out(10, hdr(kIss + 1, kIrs + 1, ACK), 0);
    out(11, hdr(kIss + 1, kIrs + 1, ACK | PSH), 100);
    out(11, hdr(kIss + 101, kIrs + 1, ACK | PSH), 100);
    out(11, hdr(kIss + 201, kIrs + 1, ACK | PSH), 100);
    in(21, hdr(kIrs + 1, kIss + 101, ACK));
    tcp::Header sack = hdr(kIrs + 1, kIss + 101, ACK);
    sack.options.sack_count = 1;
    sack.options.sack[0] = {kIss + 201, kIss + 301};
    in(22, sack);
    out(230, hdr(kIss + 101, kIrs + 1, ACK | PSH), 100);  // the retransmission
    in(240, hdr(kIrs + 1, kIss + 301, ACK, 0));            // and a zero window
}
}  // namespace

TEST_CASE("plot recorder: segments alone give marks, ACKs, SACKs and a retransmission") {
    PlotRecorder r;
    feed_transfer(r);
    CHECK(r.take_finished().empty());  // nothing closed: no events came
    auto all = r.finish();
    REQUIRE(all.size() == 1);
    const ConnectionPlot& p = all[0];
    CHECK(p.tuple == tcp::Tuple{kA, 40000, kB, 80});
    REQUIRE(p.sent.size() == 5);  // SYN and four data segments; pure ACKs are not marks
    CHECK(p.sent[0].seq == 0);
    CHECK(p.sent[0].len == 1);
    CHECK(p.sent[1].seq == 1);
    CHECK(p.sent[1].len == 100);
    CHECK_FALSE(p.sent[3].retransmission);
    CHECK(p.sent[4].retransmission);
    CHECK(p.sent[4].seq == 101);
    CHECK(p.sent[4].at == Time{230000});
    CHECK(p.retransmissions == 1);
    REQUIRE(p.acks.size() == 4);
    CHECK(p.acks[1].ack == 101);
    CHECK(p.acks[1].window_edge == 1101);
    CHECK(p.acks[3].zero_window);
    REQUIRE(p.sacks.size() == 1);
    CHECK(p.sacks[0].start == 201);
    CHECK(p.sacks[0].end == 301);
    CHECK(p.samples.empty());
}

TEST_CASE("plot recorder: events give samples and marks, and CLOSED finishes the plot") {
    using K = tcp::TraceEvent::Kind;
    PlotRecorder r;
    feed_transfer(r);
    const tcp::Tuple t{kA, 40000, kB, 80};
    r.on_event(t, {.kind = K::Sample, .value = 14600, .value2 = 1u << 30, .flight = 300, .rto_us = 200000},
               Time{21000});
    r.on_event(t, {.kind = K::RtoFired, .seq = 101, .value = 400}, Time{230000});
    r.on_event(t, {.kind = K::Sample, .value = 1460, .value2 = 2920, .flight = 100, .rto_us = 400000},
               Time{230000});
    r.on_event(t, {.kind = K::DupAck, .count = 1}, Time{231000});  // not drawn
    r.on_event(t, {.kind = K::StateChange, .from = tcp::State::LastAck, .to = tcp::State::Closed},
               Time{300000});
    auto done = r.take_finished();
    REQUIRE(done.size() == 1);
    CHECK(r.finish().empty());
    const ConnectionPlot& p = done[0];
    REQUIRE(p.samples.size() == 2);
    CHECK(p.samples[1].cwnd == 1460);
    CHECK(p.samples[1].ssthresh == 2920);
    CHECK(p.samples[1].flight == 100);
    CHECK(p.samples[1].rto == tcp::Duration{400000});
    REQUIRE(p.events.size() == 1);
    CHECK(p.events[0].kind == PlotEvent::Kind::Rto);
    CHECK(p.events[0].at == Time{230000});
}

TEST_CASE("plot recorder: bounded points per connection, the rest counted") {
    PlotRecorder r(/*max_points=*/10);
    for (int i = 0; i < 50; ++i)
        r.segment(Dir::Out, Time{i}, kA, kB, hdr(kIss + 1 + 10 * i, kIrs + 1, tcp::flag::ACK), 10);
    auto p = r.finish();
    REQUIRE(p.size() == 1);
    CHECK(p[0].sent.size() == 10);
    CHECK(p[0].omitted == 40);
}

namespace {
std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
}

// Well-formed enough for an XML parser: every element closed, in order.
bool balanced(const std::string& s) {
    std::vector<std::string> open;
    for (std::size_t at = s.find('<'); at != std::string::npos; at = s.find('<', at + 1)) {
        const auto close = s.find('>', at);
        if (close == std::string::npos) return false;
        const std::string tag = s.substr(at + 1, close - at - 1);
        if (tag.empty() || tag[0] == '?') continue;
        if (tag[0] == '/') {
            if (open.empty() || open.back() != tag.substr(1)) return false;
            open.pop_back();
        } else if (tag.back() != '/') {
            open.push_back(tag.substr(0, tag.find(' ')));
        }
    }
    return open.empty();
}
}  // namespace

TEST_CASE("plot SVG: well-formed, self-contained, a retransmission marked, the legend honest") {
    PlotRecorder r;
    feed_transfer(r);
    const std::string packets_only = render_plot_svg(r.finish().at(0));
    CHECK(packets_only.rfind("<?xml", 0) == 0);
    CHECK(balanced(packets_only));
    CHECK(count(packets_only, "<svg") == 1);
    CHECK(count(packets_only, "<script") == 0);
    CHECK(count(packets_only, "href") == 0);  // no external file, font or image
    CHECK(count(packets_only, ">R</text>") == 1);  // the one retransmission, labelled
    CHECK(count(packets_only, "#d55e00") >= 3);    // and drawn in its own colour
    CHECK(count(packets_only, "not in the packets") == 1);
    CHECK(count(packets_only, "10.0.0.1:40000 -&gt; 10.0.0.2:80") == 1);

    PlotRecorder with_events;
    feed_transfer(with_events);
    const tcp::Tuple t{kA, 40000, kB, 80};
    using K = tcp::TraceEvent::Kind;
    with_events.on_event(t, {.kind = K::RtoFired, .value = 400}, Time{230000});
    with_events.on_event(t, {.kind = K::Sample, .value = 1460, .value2 = 2920, .flight = 100,
                             .rto_us = 400000}, Time{230000});
    const std::string full = render_plot_svg(with_events.finish().at(0));
    CHECK(balanced(full));
    CHECK(count(full, "not in the packets") == 0);
    CHECK(count(full, ">RTO</text>") == 1);
    CHECK(count(full, ">cwnd</text>") == 1);
}

TEST_CASE("plot file names: the ports go before the extension") {
    const tcp::Tuple t{kA, 40000, kB, 8080};
    CHECK(plot_file_name("/tmp/t.svg", t) == "/tmp/t-40000-8080.svg");
    CHECK(plot_file_name("plot", t) == "plot-40000-8080");
    CHECK(plot_file_name("/a.b/plot", t) == "/a.b/plot-40000-8080");
}
