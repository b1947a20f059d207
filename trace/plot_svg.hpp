// Draws a ConnectionPlot (trace/plot.hpp) as one self-contained SVG file:
// no scripts, no external fonts or files, so any browser opens it and
// rsvg-convert renders it. Three panels share the time axis (ms since the
// connection's first segment):
//
//   time-sequence graph   our segments as vertical marks from seq to
//                         seq+len (retransmissions red and labelled "R",
//                         those the fault injector lost crossed out), the
//                         peer's cumulative ACK, ACK + its window, SACK blocks
//   window                cwnd, ssthresh and bytes in flight (bytes)
//   RTO                   the retransmission timeout (ms)
//
// with the events (RTO, fast retransmit, TLP, zero window, RACK) as dashed
// vertical lines through all three, and a legend. Sans-IO: a string out.
#pragma once
#include <string>

#include "trace/plot.hpp"

namespace trace {

std::string render_plot_svg(const ConnectionPlot& p);

}  // namespace trace
