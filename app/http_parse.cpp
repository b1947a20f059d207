// The HTTP/1.1 request parser (RFC 9112 2-3, 5, 6): one line at a time, so
// a request split anywhere, even byte by byte, parses the same.
#include <algorithm>
#include <cctype>

#include "app/http.hpp"

namespace app::http {

namespace {

// RFC 9110 5.6.2: tchar.
bool is_tchar(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// RFC 9110 8.6: 1*DIGIT; a list of identical values is accepted as one.
std::optional<std::uint64_t> parse_length(std::string_view v) {
    std::optional<std::uint64_t> seen;
    while (true) {
        const std::size_t comma = v.find(',');
        const std::string_view item = trim_ows(v.substr(0, comma));
        if (item.empty() || item.size() > 18) return std::nullopt;
        std::uint64_t n = 0;
        for (char c : item) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (seen && *seen != n) return std::nullopt;
        seen = n;
        if (comma == std::string_view::npos) return seen;
        v.remove_prefix(comma + 1);
    }
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (n == name) return std::string_view(v);
    return std::nullopt;
}

std::size_t Request::count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(headers.begin(), headers.end(),
                                                  [&](const auto& h) { return h.first == name; }));
}

bool Request::has_token(std::string_view name, std::string_view token) const {
    for (const auto& [n, v] : headers) {
        if (n != name) continue;
        std::string_view rest = v;
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            if (iequal(trim_ows(rest.substr(0, comma)), token)) return true;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return false;
}

RequestParser::State RequestParser::fail(int status) {
    error_ = status;
    return State::Error;
}

void RequestParser::compact() {
    if (pos_ == 0 || (pos_ < buf_.size() && pos_ < 16 * 1024)) return;
    buf_.erase(0, pos_);
    scan_ -= pos_;
    pos_ = 0;
}

std::optional<std::string_view> RequestParser::take_line() {
    const std::size_t nl = buf_.find('\n', scan_);
    if (nl == std::string::npos) {
        scan_ = buf_.size();
        // RFC 9112 3: a request-target longer than we parse is 414; RFC
        // 6585 5: header fields too large are 431.
        if (buf_.size() - pos_ > limits_.max_line + 1)
            fail(phase_ == Phase::RequestLine ? 414 : 431);
        return std::nullopt;
    }
    std::string_view line(buf_.data() + pos_, nl - pos_);
    pos_ = scan_ = nl + 1;
    // RFC 9112 2.2: CRLF ends a line; a bare LF is recognised as well.
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > limits_.max_line) {
        fail(phase_ == Phase::RequestLine ? 414 : 431);
        return std::nullopt;
    }
    return line;
}

RequestParser::State RequestParser::next() {
    if (error_) return State::Error;
    compact();
    if (phase_ == Phase::Body) {
        const std::uint64_t skip = std::min<std::uint64_t>(body_left_, buf_.size() - pos_);
        pos_ += static_cast<std::size_t>(skip);
        scan_ = std::max(scan_, pos_);
        body_left_ -= skip;
        if (body_left_ > 0) return State::NeedMore;
        phase_ = Phase::RequestLine;
    }
    while (true) {
        const auto line = take_line();
        if (error_) return State::Error;
        if (!line) return State::NeedMore;
        // RFC 9110 5.5, RFC 9112 2.2: a bare CR or a NUL makes the message invalid.
        if (line->find('\r') != std::string_view::npos || line->find('\0') != std::string_view::npos)
            return fail(400);
        State s;
        if (phase_ == Phase::RequestLine) {
            if (line->empty()) continue;  // RFC 9112 2.2: empty lines before a request are ignored
            s = request_line(*line);
        } else if (line->empty()) {
            return end_of_headers();
        } else {
            s = header_line(*line);
        }
        if (s == State::Error) return s;
    }
}

// RFC 9112 3: method SP request-target SP HTTP-version.
RequestParser::State RequestParser::request_line(std::string_view line) {
    req_ = Request{};
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return fail(400);
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method) || target.empty()) return fail(400);
    for (char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return fail(400);
    // RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
        !std::isdigit(static_cast<unsigned char>(version[5])) ||
        !std::isdigit(static_cast<unsigned char>(version[7])))
        return fail(400);
    // RFC 9110 15.6.6: a major version we do not serve.
    if (version[5] != '1') return fail(505);
    req_.method = method;
    req_.target = target;
    req_.minor = version[7] - '0';
    phase_ = Phase::Headers;
    return State::NeedMore;
}

// RFC 9112 5: field-name ":" OWS field-value OWS.
RequestParser::State RequestParser::header_line(std::string_view line) {
    // RFC 9112 5.2: obsolete line folding may be rejected with 400.
    if (line.front() == ' ' || line.front() == '\t') return fail(400);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail(400);
    // RFC 9112 5.1: no whitespace between the name and the colon (400).
    const std::string_view name = line.substr(0, colon);
    if (!is_token(name)) return fail(400);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) return fail(400);
    }
    if (req_.headers.size() >= limits_.max_headers) return fail(431);
    req_.headers.emplace_back(lower(name), std::string(value));
    return State::NeedMore;
}

RequestParser::State RequestParser::end_of_headers() {
    // RFC 9112 3.2: a 1.1 request without Host, or any with two, is 400.
    const std::size_t hosts = req_.count("host");
    if (hosts > 1 || (req_.minor >= 1 && hosts == 0)) return fail(400);
    // RFC 9112 6.1, 6.3: we read no transfer-coded request body; without a
    // length we cannot find the next request, so 411 (RFC 9110 15.5.12).
    if (req_.count("transfer-encoding")) return fail(411);
    std::optional<std::uint64_t> length;
    for (const auto& [n, v] : req_.headers) {
        if (n != "content-length") continue;
        auto l = parse_length(v);
        // RFC 9112 6.3 item 5: an invalid Content-Length is unrecoverable.
        if (!l || (length && *length != *l)) return fail(400);
        length = l;
    }
    req_.content_length = length.value_or(0);
    body_left_ = req_.content_length;
    phase_ = body_left_ ? Phase::Body : Phase::RequestLine;
    return State::Done;
}

}  // namespace app::http
