#include "trace/ladder.hpp"

#include <algorithm>

#include "trace/trace_text.hpp"
#include "tcp/segment.hpp"

namespace trace {

namespace {

constexpr std::size_t kMinWidth = 44;  // columns between the two sides
constexpr std::size_t kMinDashes = 3;  // on each side of a label

// The part of an arrow that is drawn, as a function of the full width: a
// lost arrow stops a quarter of the way short of the far side.
std::size_t gap(std::size_t width) { return width / 4; }

// `n` dashes with " label " in the middle.
std::string dashes_with(std::size_t n, const std::string& label) {
    std::string s(n, '-');
    const std::string words = ' ' + label + ' ';
    if (words.size() <= n) s.replace((n - words.size()) / 2, words.size(), words);
    return s;
}

std::string arrow_body(const LadderArrow& a, std::size_t width) {
    const std::string label = arrow_label(a);
    if (a.outgoing) {
        if (!a.lost) return dashes_with(width - 1, label) + '>';
        return dashes_with(width - gap(width) - 1, label) + 'x' + std::string(gap(width), ' ');
    }
    if (!a.lost) return '<' + dashes_with(width - 1, label);
    return std::string(gap(width), ' ') + 'x' + dashes_with(width - gap(width) - 1, label);
}

std::string omitted_text(std::size_t n) {
    return "... " + std::to_string(n) + " more rows not drawn";
}

// The narrowest width at which every label and note fits.
std::size_t width_for(const Ladder& l) {
    std::size_t w = kMinWidth;
    auto fit_note = [&](std::size_t len) { w = std::max(w, len + 4); };
    for (const auto& row : l.rows) {
        if (const auto* a = std::get_if<LadderArrow>(&row)) {
            const std::size_t need = arrow_label(*a).size() + 2 + 2 * kMinDashes + 1;
            while (w - gap(w) < need) ++w;  // even a lost arrow holds its label
        } else {
            fit_note(std::get<LadderNote>(row).text.size());
        }
    }
    if (l.omitted) fit_note(omitted_text(l.omitted).size());
    // The two headings side by side, with a space between.
    if (l.local.size() + 1 + l.remote.size() > w + 2) w = l.local.size() + l.remote.size() - 1;
    return w;
}

std::string note_row(const std::string& time, const std::string& text, std::size_t width) {
    return time + "  |  " + text + std::string(width - 2 - text.size(), ' ') + "|\n";
}

}  // namespace

std::string arrow_label(const LadderArrow& a) {
    std::string s = tcp::flags_to_string(a.flags) + " seq=" + std::to_string(a.seq);
    if (a.flags & tcp::flag::ACK) s += " ack=" + std::to_string(a.ack);
    if (a.len) s += " len=" + std::to_string(a.len);
    return s;
}

std::string render_ladder(const Ladder& l) {
    const std::size_t width = width_for(l);
    const std::size_t margin = time_column(tcp::Time{0}).size() + 2;

    std::string out(margin, ' ');
    out += l.local;
    out += std::string(width + 2 - l.local.size() - l.remote.size(), ' ');
    out += l.remote;
    out += '\n';
    for (const auto& row : l.rows) {
        if (const auto* a = std::get_if<LadderArrow>(&row)) {
            out += time_column(a->at) + "  |" + arrow_body(*a, width) + "|\n";
        } else {
            const auto& n = std::get<LadderNote>(row);
            out += note_row(time_column(n.at), n.text, width);
        }
    }
    if (l.omitted) out += note_row(std::string(margin - 2, ' '), omitted_text(l.omitted), width);
    return out;
}

}  // namespace trace
