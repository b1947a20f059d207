// From a request-target to a file under the root, and the small tables a
// response needs (media types, dates).
#include <sys/stat.h>
#include <time.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "app/http.hpp"

namespace app::http {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 9112 3.2.2: a server accepts the absolute form too; its authority is
// not ours to check here (Host is), so only the path is kept.
std::optional<std::string_view> path_part(std::string_view target) {
    if (target.front() != '/') {
        constexpr std::string_view scheme = "http://";
        if (target.size() < scheme.size()) return std::nullopt;
        for (std::size_t i = 0; i < scheme.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(target[i])) != scheme[i]) return std::nullopt;
        target.remove_prefix(scheme.size());
        const std::size_t end = target.find_first_of("/?#");
        if (end == std::string_view::npos || target[end] != '/') return std::string_view("/");
        target.remove_prefix(end);
    }
    // RFC 9110 4.2.1 / RFC 3986 3.4: the query names no other file; ignored.
    return target.substr(0, target.find_first_of("?#"));
}

}  // namespace

std::optional<std::string> target_path(std::string_view target, bool* dir) {
    if (target.empty()) return std::nullopt;
    const auto path = path_part(target);
    if (!path) return std::nullopt;
    // RFC 3986 2.1: decode first, so "%2e%2e" and "%2f" are seen as what
    // they stand for before any segment is judged.
    std::string decoded;
    for (std::size_t i = 0; i < path->size(); ++i) {
        char c = (*path)[i];
        if (c == '%') {
            if (i + 2 >= path->size()) return std::nullopt;
            const int hi = hex_digit((*path)[i + 1]), lo = hex_digit((*path)[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') return std::nullopt;
        decoded += c;
    }
    if (dir) *dir = decoded.empty() || decoded.back() == '/';
    // RFC 3986 3.3: "." is this directory; ".." would climb out and is
    // refused outright rather than resolved.
    std::string rel;
    std::size_t start = 0;
    while (start <= decoded.size()) {
        std::size_t end = decoded.find('/', start);
        if (end == std::string::npos) end = decoded.size();
        const std::string_view seg(decoded.data() + start, end - start);
        if (seg == "..") return std::nullopt;
        if (!seg.empty() && seg != ".") {
            if (!rel.empty()) rel += '/';
            rel += seg;
        }
        start = end + 1;
    }
    return rel;
}

std::string_view content_type(std::string_view path) {
    static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
        {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"}, {"css", "text/css"},
        {"js", "text/javascript"},            {"json", "application/json"},
        {"png", "image/png"},                 {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},               {"gif", "image/gif"},
        {"svg", "image/svg+xml"},             {"pdf", "application/pdf"},
        {"md", "text/markdown; charset=utf-8"},  // RFC 7763
        {"ico", "image/vnd.microsoft.icon"},     // a browser asks for /favicon.ico
    };
    const std::size_t slash = path.rfind('/');
    const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const std::size_t dot = name.rfind('.');
    if (dot != std::string_view::npos && dot > 0) {
        std::string ext(name.substr(dot + 1));
        for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const auto& [e, type] : kTypes)
            if (e == ext) return type;
    }
    return "application/octet-stream";
}

std::string http_date(std::time_t t) {
    // RFC 9110 5.6.7: fixed English names, always GMT (no locale).
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
    // IMF-fixdate, then the obsolete RFC 850 and asctime() forms, which a
    // recipient must accept too. strptime() reads English names in the C
    // locale, which the programs never change.
    const std::string s(text);
    for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
        std::tm tm{};
        const char* end = ::strptime(s.c_str(), format, &tm);
        if (end && *end == '\0') return ::timegm(&tm);
    }
    return std::nullopt;
}

std::optional<std::string> check_root(const std::string& root) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) return "--http-root '" + root + "' does not exist";
    if (!S_ISDIR(st.st_mode)) return "--http-root '" + root + "' is not a directory";
    return std::nullopt;
}

}  // namespace app::http
