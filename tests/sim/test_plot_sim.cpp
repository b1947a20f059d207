// The plot recorder fed by a real connection on the simulated link, as the
// stack's plot device feeds it: every segment A sends and receives, and A's
// Observer events (the Sample after each ACK among them).
#include "tests/sim/harness.hpp"
#include "trace/plot.hpp"
#include "trace/plot_svg.hpp"

using namespace sim;

TEST_CASE("plot: a lossy transfer gives samples on every ACK, marked retransmissions and events") {
    trace::PlotRecorder rec;
    struct Feed final : tcp::Observer {
        trace::PlotRecorder& r;
        std::size_t samples = 0;
        explicit Feed(trace::PlotRecorder& rr) : r(rr) {}
        void on_event(const tcp::Tuple& t, const tcp::TraceEvent& e, Time now) override {
            if (e.kind == tcp::TraceEvent::Kind::Sample) ++samples;
            r.on_event(t, e, now);
        }
    } feed(rec);
    Pair p;
    p.observer_a = &feed;
    p.on_sent = [&](l2::Side from, const Wire& w, bool lost) {
        if (from == l2::Side::A) rec.segment(trace::Dir::Out, p.now, w.src, w.dst, w.h, w.payload.size(), lost);
    };
    std::size_t acks_in = 0;
    p.on_received = [&](l2::Side to, const tcp::SegmentView& seg) {
        if (to != l2::Side::A) return;
        ++acks_in;
        rec.segment(trace::Dir::In, p.now, kIpB, kIpA, seg.header, seg.payload.size());
    };
    REQUIRE(p.open());
    p.drop_next(l2::Side::A, {20, 21, 60});
    REQUIRE(p.transfer(random_bytes(200000, 3), {}, 60s));
    const auto& st = p.a()->stats();
    REQUIRE(st.retransmits >= 3);

    auto plots = rec.finish();
    REQUIRE(plots.size() == 1);
    const trace::ConnectionPlot& plot = plots[0];
    CHECK(plot.samples.size() == feed.samples);
    CHECK(plot.samples.size() + 1 >= acks_in / 2);  // an ACK that moved nothing may give none
    CHECK(plot.retransmissions == st.retransmits);
    const auto lost = std::count_if(plot.sent.begin(), plot.sent.end(), [](auto& s) { return s.lost; });
    CHECK(lost == 3);
    const auto loss_events = std::count_if(plot.events.begin(), plot.events.end(), [](auto& e) {
        return e.kind == trace::PlotEvent::Kind::FastRetransmit || e.kind == trace::PlotEvent::Kind::Rto ||
               e.kind == trace::PlotEvent::Kind::RackLoss;
    });
    CHECK(loss_events >= 1);
    CHECK(std::any_of(plot.samples.begin(), plot.samples.end(),
                      [](auto& s) { return s.ssthresh < (1u << 30); }));  // a loss set ssthresh
    const std::string svg = trace::render_plot_svg(plot);
    CHECK(svg.find(">R</text>") != std::string::npos);
}
