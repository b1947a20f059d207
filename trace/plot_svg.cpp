#include "trace/plot_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string_view>

#include "tcp/newreno.hpp"
#include "trace/trace_text.hpp"

namespace trace {

namespace {

constexpr double kWidth = 1290, kLeft = 104, kPlotRight = 1020, kLegendX = 1040;
constexpr double kSeqTop = 70, kSeqBottom = 560;
constexpr double kWinTop = 600, kWinBottom = 800;
constexpr double kRtoTop = 840, kRtoBottom = 940;
constexpr double kHeight = 990;

// Colours that stay apart for most colour-blind readers (Okabe and Ito).
constexpr std::string_view kSent = "#0072b2", kRetx = "#d55e00", kAck = "#009e73",
                           kWindow = "#e69f00", kSackC = "#cc79a7", kCwnd = "#0072b2",
                           kSsthresh = "#d55e00", kFlight = "#009e73", kRtoC = "#56b4e9",
                           kEventC = "#555555", kLost = "#000000";

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", v);
    return b;
}

// 1234567 -> "1,234,567": tick labels a class can read aloud.
std::string grouped(double v) {
    std::string d = std::to_string(static_cast<long long>(std::llround(v)));
    const bool neg = !d.empty() && d[0] == '-';
    std::string out;
    const std::size_t n = d.size() - (neg ? 1 : 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0 && (n - i) % 3 == 0) out += ',';
        out += d[i + (neg ? 1 : 0)];
    }
    return neg ? "-" + out : out;
}

std::string esc(std::string_view s) {
    std::string out;
    for (char ch : s) {
        if (ch == '<') out += "&lt;";
        else if (ch == '>') out += "&gt;";
        else if (ch == '&') out += "&amp;";
        else if (ch == '"') out += "&quot;";
        else out += ch;
    }
    return out;
}

// A "nice" tick step (1, 2 or 5 times a power of ten) for about `ticks` ticks.
double nice_step(double range, int ticks) {
    if (range <= 0) return 1;
    const double raw = range / ticks;
    const double mag = std::pow(10, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * mag) return m * mag;
    return 10 * mag;
}

double ms(tcp::Duration d) { return static_cast<double>(d.count()) / 1000.0; }

struct Axis {
    double lo, hi, px_lo, px_hi;  // value range onto pixel range
    double at(double v) const {
        const double f = hi > lo ? (v - lo) / (hi - lo) : 0;
        return px_lo + std::clamp(f, -0.02, 1.02) * (px_hi - px_lo);
    }
};

struct Svg {
    std::string s;
    void line(double x1, double y1, double x2, double y2, std::string_view colour, double w,
              std::string_view extra = {}) {
        s += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
             num(y2) + "\" stroke=\"" + std::string(colour) + "\" stroke-width=\"" + num(w) +
             "\"" + std::string(extra) + "/>\n";
    }
    void text(double x, double y, std::string_view t, double size, std::string_view anchor = "start",
              std::string_view colour = "#222", std::string_view extra = {}) {
        s += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) +
             "\" text-anchor=\"" + std::string(anchor) + "\" fill=\"" + std::string(colour) +
             "\"" + std::string(extra) + ">" + esc(t) + "</text>\n";
    }
    void path(const std::string& d, std::string_view colour, double w, std::string_view extra = {}) {
        if (d.empty()) return;
        s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + std::string(colour) +
             "\" stroke-width=\"" + num(w) + "\"" + std::string(extra) + "/>\n";
    }
};

// Grid, tick labels and the axis title of one panel.
void frame(Svg& g, const Axis& x, const Axis& y, std::string_view y_title, bool x_labels) {
    g.s += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(y.px_hi) + "\" width=\"" +
           num(kPlotRight - kLeft) + "\" height=\"" + num(y.px_lo - y.px_hi) +
           "\" fill=\"#fcfcfc\" stroke=\"#888\"/>\n";
    const double xs = nice_step(x.hi - x.lo, 10);
    for (double v = std::ceil(x.lo / xs) * xs; v <= x.hi + 1e-9; v += xs) {
        g.line(x.at(v), y.px_hi, x.at(v), y.px_lo, "#e4e4e4", 1);
        if (x_labels) g.text(x.at(v), y.px_lo + 18, grouped(v), 13, "middle");
    }
    const double ys = nice_step(y.hi - y.lo, 6);
    for (double v = std::ceil(y.lo / ys) * ys; v <= y.hi + 1e-9; v += ys) {
        g.line(kLeft, y.at(v), kPlotRight, y.at(v), "#e4e4e4", 1);
        g.text(kLeft - 6, y.at(v) + 4, grouped(v), 12, "end");
    }
    const double mid = (y.px_lo + y.px_hi) / 2;
    g.text(16, mid, y_title, 14, "middle", "#222",
           " transform=\"rotate(-90 16 " + num(mid) + ")\"");
}

// A step line: the value holds until the next point.
template <class Points, class Value>
std::string steps(const Points& pts, const Axis& x, const Axis& y, double x_end, Value value) {
    std::string d;
    bool open = false;
    for (const auto& p : pts) {
        const auto v = value(p);
        const double px = x.at(ms(p.at));
        if (!v) {  // a gap (ssthresh still "infinite")
            if (open) d += "H" + num(px);
            open = false;
            continue;
        }
        const double py = y.at(*v);
        d += open ? "H" + num(px) + "V" + num(py) : "M" + num(px) + " " + num(py);
        open = true;
    }
    if (open) d += "H" + num(x_end);
    return d;
}

struct Ranges {
    double t_end = 1, seq_hi = 1, win_hi = 1, rto_hi = 1;
};

Ranges ranges(const ConnectionPlot& p) {
    Ranges r;
    double data_hi = 1;
    for (const auto& s : p.sent) {
        r.t_end = std::max(r.t_end, ms(s.at));
        data_hi = std::max(data_hi, double(s.seq) + s.len);
    }
    double edge_hi = 0;
    for (const auto& a : p.acks) {
        r.t_end = std::max(r.t_end, ms(a.at));
        data_hi = std::max(data_hi, double(a.ack));
        edge_hi = std::max(edge_hi, double(a.window_edge));
    }
    // The window edge may run far above the data of a short exchange; show
    // it up to half again the data, so the data keeps most of the panel.
    r.seq_hi = std::max(data_hi, std::min(edge_hi, data_hi * 1.5)) * 1.04;
    for (const auto& s : p.samples) {
        r.t_end = std::max(r.t_end, ms(s.at));
        double w = std::max<double>(s.cwnd, s.flight);
        if (s.ssthresh < tcp::kMaxCwnd) w = std::max<double>(w, s.ssthresh);
        r.win_hi = std::max(r.win_hi, w * 1.08);
        r.rto_hi = std::max(r.rto_hi, ms(s.rto) * 1.15);
    }
    for (const auto& e : p.events) r.t_end = std::max(r.t_end, ms(e.at));
    r.t_end *= 1.02;
    return r;
}

void draw_sequence(Svg& g, const ConnectionPlot& p, const Axis& x, const Axis& y) {
    g.s += "<clipPath id=\"seqclip\"><rect x=\"" + num(kLeft) + "\" y=\"" + num(kSeqTop) +
           "\" width=\"" + num(kPlotRight - kLeft) + "\" height=\"" + num(kSeqBottom - kSeqTop) +
           "\"/></clipPath>\n<g clip-path=\"url(#seqclip)\">\n";
    g.path(steps(p.acks, x, y, kPlotRight, [](const PlotAck& a) { return std::optional<double>(a.window_edge); }),
           kWindow, 2);
    g.path(steps(p.acks, x, y, kPlotRight, [](const PlotAck& a) { return std::optional<double>(a.ack); }),
           kAck, 2);
    for (const auto& s : p.sacks)
        g.line(x.at(ms(s.at)), y.at(s.start), x.at(ms(s.at)), y.at(s.end), kSackC, 5,
               " stroke-opacity=\"0.7\"");
    std::size_t labels = 0;
    for (const auto& s : p.sent) {
        const double px = x.at(ms(s.at)), y0 = y.at(s.seq), y1 = y.at(double(s.seq) + s.len);
        const std::string_view c = s.retransmission ? kRetx : kSent;
        const double w = s.retransmission ? 2.5 : 1.5;
        g.line(px, y0, px, y1, c, w);
        g.line(px - 3, y1, px + 3, y1, c, w);  // tcptrace's "I" ends
        g.line(px - 3, y0, px + 3, y0, c, w);
        if (s.retransmission && labels++ < 300) g.text(px + 4, y1 - 3, "R", 13, "start", kRetx, " font-weight=\"bold\"");
        if (s.lost) {
            const double m = (y0 + y1) / 2;
            g.line(px - 5, m - 5, px + 5, m + 5, kLost, 2);
            g.line(px - 5, m + 5, px + 5, m - 5, kLost, 2);
        }
    }
    g.s += "</g>\n";
}

void draw_windows(Svg& g, const ConnectionPlot& p, const Axis& x, const Axis& wy, const Axis& ry) {
    using S = PlotSample;
    g.path(steps(p.samples, x, wy, kPlotRight, [](const S& s) { return std::optional<double>(s.flight); }),
           kFlight, 2, " stroke-opacity=\"0.8\"");
    g.path(steps(p.samples, x, wy, kPlotRight,
                 [](const S& s) {
                     return s.ssthresh < tcp::kMaxCwnd ? std::optional<double>(s.ssthresh) : std::nullopt;
                 }),
           kSsthresh, 2, " stroke-dasharray=\"8 4\"");
    g.path(steps(p.samples, x, wy, kPlotRight, [](const S& s) { return std::optional<double>(s.cwnd); }),
           kCwnd, 2.5);
    g.path(steps(p.samples, x, ry, kPlotRight, [](const S& s) { return std::optional<double>(ms(s.rto)); }),
           kRtoC, 2.5);
}

std::string_view short_label(PlotEvent::Kind k) {
    using K = PlotEvent::Kind;
    switch (k) {
        case K::Rto: return "RTO";
        case K::FastRetransmit: return "FR";
        case K::TailLossProbe: return "TLP";
        case K::ZeroWindow: return "0-WIN";
        case K::RackLoss: return "RACK";
    }
    return "?";
}

void draw_events(Svg& g, const ConnectionPlot& p, const Axis& x) {
    // Events at the same moment (a RACK loss and the fast retransmit it
    // starts) share one label, "RACK+FR"; labels close together step down.
    struct Label {
        double px;
        std::string text;
        bool loud;
    };
    std::vector<Label> labels;
    for (const auto& e : p.events) {
        if (labels.size() >= 400) break;  // a storm of events would bury the graph
        const double px = x.at(ms(e.at));
        const bool loud = e.kind == PlotEvent::Kind::Rto || e.kind == PlotEvent::Kind::ZeroWindow;
        g.line(px, kSeqTop, px, kRtoBottom, loud ? "#c00000" : kEventC, loud ? 1.5 : 1,
               " stroke-dasharray=\"4 4\" stroke-opacity=\"0.7\"");
        const std::string_view t = short_label(e.kind);
        if (!labels.empty() && px - labels.back().px < 3) {
            Label& l = labels.back();
            if (l.text.find(t) == std::string::npos) l.text += "+" + std::string(t);
            l.loud = l.loud || loud;
            continue;
        }
        labels.push_back({px, std::string(t), loud});
    }
    double last_px = -1e9;
    int row = 0;
    for (const auto& l : labels) {
        row = l.px - last_px < 60 ? (row + 1) % 4 : 0;
        last_px = l.px;
        // Near the right edge the label goes to the left of its line.
        const bool right = l.px > kPlotRight - 70;
        g.text(right ? l.px - 3 : l.px + 3, kSeqTop + 14 + 14 * row, l.text, 12,
               right ? "end" : "start", l.loud ? "#c00000" : "#333", " font-weight=\"bold\"");
    }
}

void legend_entry(Svg& g, double& y, std::string_view colour, std::string_view text,
                  std::string_view extra = {}) {
    g.line(kLegendX, y - 5, kLegendX + 28, y - 5, colour, 3, extra);
    g.text(kLegendX + 36, y, text, 13);
    y += 20;
}

void draw_legend(Svg& g, const ConnectionPlot& p) {
    double y = kSeqTop + 12;
    g.text(kLegendX, y, "Time-sequence graph", 14, "start", "#222", " font-weight=\"bold\"");
    y += 22;
    legend_entry(g, y, kSent, "segment sent (seq..seq+len)");
    legend_entry(g, y, kRetx, "retransmission (R)");
    g.line(kLegendX + 9, y - 10, kLegendX + 19, y, kLost, 2);
    g.line(kLegendX + 9, y, kLegendX + 19, y - 10, kLost, 2);
    g.text(kLegendX + 36, y, "lost (fault injector)", 13);
    y += 20;
    legend_entry(g, y, kAck, "ACK received (cumulative)");
    legend_entry(g, y, kWindow, "ACK + advertised window");
    legend_entry(g, y, kSackC, "SACK block (RFC 2018)");
    y += 10;
    g.text(kLegendX, y, "Events (dashed lines)", 14, "start", "#222", " font-weight=\"bold\"");
    y += 20;
    for (std::string_view t : {"RTO  retransmission timeout", "FR  fast retransmit",
                               "TLP  tail loss probe", "RACK  lost by time (RFC 8985)",
                               "0-WIN  zero window"}) {
        g.text(kLegendX, y, t, 13);
        y += 18;
    }
    y = kWinTop + 12;
    if (p.samples.empty()) {
        for (std::string_view t : {"Sender-side values", "(cwnd, ssthresh, in flight,", "RTO) are not in the packets:",
                                   "not shown."}) {
            g.text(kLegendX, y, t, 13, "start", "#a00000");
            y += 18;
        }
        return;
    }
    legend_entry(g, y, kCwnd, "cwnd");
    legend_entry(g, y, kSsthresh, "ssthresh", " stroke-dasharray=\"8 4\"");
    legend_entry(g, y, kFlight, "bytes in flight");
    y = kRtoTop + 12;
    legend_entry(g, y, kRtoC, "RTO (ms)");
}

std::string summary(const ConnectionPlot& p) {
    std::size_t rto = 0, fr = 0;
    for (const auto& e : p.events) {
        rto += e.kind == PlotEvent::Kind::Rto;
        fr += e.kind == PlotEvent::Kind::FastRetransmit;
    }
    std::string s = grouped(double(p.sent.size())) + " segments sent, " +
                    grouped(p.retransmissions) + " retransmitted, " + std::to_string(rto) +
                    " RTO, " + std::to_string(fr) + " fast retransmit";
    if (p.omitted) s += "; " + grouped(double(p.omitted)) + " points beyond the limit not drawn";
    return s;
}

}  // namespace

std::string render_plot_svg(const ConnectionPlot& p) {
    const Ranges r = ranges(p);
    const Axis x{0, r.t_end, kLeft, kPlotRight};
    const Axis sy{0, r.seq_hi, kSeqBottom, kSeqTop};
    const Axis wy{0, r.win_hi, kWinBottom, kWinTop};
    const Axis ry{0, r.rto_hi, kRtoBottom, kRtoTop};
    Svg g;
    g.s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
          "width=\"" + num(kWidth) + "\" height=\"" + num(kHeight) + "\" viewBox=\"0 0 " +
          num(kWidth) + " " + num(kHeight) + "\" font-family=\"sans-serif\">\n"
          "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    const auto& t = p.tuple;
    g.text(kLeft, 28, endpoint(t.local_ip, t.local_port) + " -> " + endpoint(t.remote_ip, t.remote_port) +
           ": what we sent, and what came back", 20, "start", "#111", " font-weight=\"bold\"");
    g.text(kLeft, 52, summary(p), 14, "start", "#333");
    frame(g, x, sy, "relative sequence number (bytes)", true);
    frame(g, x, wy, "bytes", false);
    frame(g, x, ry, "RTO (ms)", true);
    g.text((kLeft + kPlotRight) / 2, kRtoBottom + 40, "time since the first segment (ms)", 14, "middle");
    draw_sequence(g, p, x, sy);
    if (p.samples.empty())
        g.text((kLeft + kPlotRight) / 2, (kWinTop + kWinBottom) / 2, "no sender-side values (from packets alone)",
               16, "middle", "#a00000");
    else
        draw_windows(g, p, x, wy, ry);
    draw_events(g, p, x);
    draw_legend(g, p);
    g.s += "</svg>\n";
    return std::move(g.s);
}

}  // namespace trace
