// The HTTP/1.1 static file server's session: requests in, in order; for
// each, one response (a head, then a small body from memory or a file
// streamed from its fd).
#include "app/http.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "base/log.hpp"

namespace app::http {

namespace {

std::string_view reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 301: return "Moved Permanently";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 411: return "Length Required";
        case 414: return "URI Too Long";
        case 431: return "Request Header Fields Too Large";
        case 501: return "Not Implemented";
        case 505: return "HTTP Version Not Supported";
        default: return "Internal Server Error";
    }
}

// RFC 9110 9.3: the methods a server knows; any other is 501 (9.1).
bool known_method(std::string_view m) {
    for (std::string_view k : {"POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
        if (m == k) return true;
    return false;
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

// RFC 3986 2.1, 2.3: everything but the unreserved characters and '/'.
std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

// realpath() of `path`, if it lies within `root` (itself a realpath).
// A symlink that leads out of the root resolves outside it: not found.
int resolve_inside(const std::string& root, const std::string& path, std::string& out) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return errno == EACCES ? 403 : 404;
    out = buf;
    if (out == root) return 0;
    const std::string prefix = root == "/" ? root : root + "/";
    return out.compare(0, prefix.size(), prefix) == 0 ? 0 : 404;
}

}  // namespace

Server::Server(Config cfg) : cfg_(std::move(cfg)), parser_(cfg_.limits) {
    char buf[PATH_MAX];
    if (::realpath(cfg_.root.c_str(), buf)) cfg_.root = buf;
}

Server::~Server() { end_file(); }

void Server::end_file() {
    if (file_fd_ >= 0) ::close(file_fd_);
    file_fd_ = -1;
    file_left_ = 0;
}

void Server::feed(base::Bytes in) {
    if (done_) return;  // after a fatal error nothing more is read
    parser_.feed({reinterpret_cast<const char*>(in.data()), in.size()});
    step();
}

void Server::peer_closed() {
    peer_closed_ = true;
    step();
}

bool Server::finished() const { return done_ && idle(); }

// Back-pressure: nothing more is read while a response is still going out,
// so pipelined requests wait in TCP's receive window, not in memory.
bool Server::wants_input() const { return !done_ && idle(); }

// Answers requests until one has output pending (RFC 9112 9.3.2: responses
// to pipelined requests go in the order the requests came).
void Server::step() {
    while (idle() && !done_) {
        switch (parser_.next()) {
            case RequestParser::State::NeedMore:
                // A request cut off by the peer's FIN is not answered.
                if (peer_closed_) done_ = true;
                return;
            case RequestParser::State::Error:
                minor_ = 1;
                head_only_ = false;
                if_modified_since_.reset();
                LOG(app, info) << "http: bad request -> " << parser_.error_status();
                respond_error(parser_.error_status(), true);
                break;
            case RequestParser::State::Done:
                respond(parser_.request());
                break;
        }
        ++responses_;
    }
}

std::size_t Server::produce(base::MutBytes out) {
    std::size_t n = std::min(out.size(), out_.size() - out_pos_);
    std::copy_n(out_.data() + out_pos_, n, out.data());
    out_pos_ += n;
    if (out_pos_ == out_.size() && file_fd_ >= 0 && n < out.size()) {
        const std::size_t want = static_cast<std::size_t>(
            std::min<std::uint64_t>({out.size() - n, file_left_, cfg_.read_chunk}));
        const ssize_t r = ::read(file_fd_, out.data() + n, want);
        if (r > 0) {
            n += static_cast<std::size_t>(r);
            file_left_ -= static_cast<std::uint64_t>(r);
            if (file_left_ == 0) end_file();
        } else if (r == 0 || errno != EINTR) {
            // The file shrank (or failed) under us: the Content-Length sent
            // cannot be honoured, so the connection closes (RFC 9112 8).
            LOG(app, warning) << "http: file ended early, closing the connection";
            end_file();
            done_ = true;
        }
    }
    if (idle()) {
        out_.clear();
        out_pos_ = 0;
        if (close_after_) done_ = true;
        step();
    }
    return n;
}

void Server::head(int status, std::string_view type, std::uint64_t length, const std::string& extra) {
    out_ += "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason(status)) + "\r\n";
    out_ += "Date: " + http_date(cfg_.now()) + "\r\n";
    out_ += "Server: ustack\r\n";
    out_ += "Content-Type: " + std::string(type) + "\r\n";
    out_ += "Content-Length: " + std::to_string(length) + "\r\n";
    out_ += extra;
    // RFC 9112 9.6: say so when this response ends the connection; RFC
    // 9112 9.3: a 1.0 client that asked for keep-alive is told it got it.
    if (close_after_) out_ += "Connection: close\r\n";
    else if (minor_ == 0) out_ += "Connection: keep-alive\r\n";
    out_ += "\r\n";
}

void Server::respond_error(int status, bool close, const std::string& extra) {
    close_after_ = close_after_ || close;
    const std::string title = std::to_string(status) + " " + std::string(reason(status));
    const std::string body = "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" +
                             title + "</h1></body></html>\n";
    head(status, "text/html; charset=utf-8", body.size(), extra);
    if (!head_only_) out_ += body;
}

void Server::respond(const Request& req) {
    minor_ = req.minor;
    head_only_ = req.method == "HEAD";
    // RFC 9110 13.1.3: only for GET and HEAD, ignored beside If-None-Match
    // or when not a valid date.
    if_modified_since_.reset();
    if (auto ims = req.header("if-modified-since"); ims && !req.count("if-none-match"))
        if_modified_since_ = parse_http_date(*ims);
    // RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
    close_after_ = req.minor >= 1 ? req.has_token("connection", "close")
                                  : !req.has_token("connection", "keep-alive");
    int status = 0;
    if (req.method != "GET" && req.method != "HEAD") {
        // RFC 9110 10.1.1: a client that waits for 100 (Continue) may never
        // send the body we would have to skip, so such a refusal closes.
        if (req.content_length > 0 && req.has_token("expect", "100-continue")) close_after_ = true;
        if (known_method(req.method)) return respond_error(405, false, "Allow: GET, HEAD\r\n");
        return respond_error(501, false);
    }
    bool slash = false;
    const auto rel = target_path(req.target, &slash);
    if (!rel) return respond_error(400, true);
    std::string real;
    status = resolve_inside(cfg_.root, rel->empty() ? cfg_.root : cfg_.root + "/" + *rel, real);
    int fd = -1;
    if (status == 0) {
        // O_NONBLOCK: opening a FIFO must not wait for a writer.
        fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0) status = errno == EACCES ? 403 : 404;
    }
    struct stat st {};
    if (status == 0 && ::fstat(fd, &st) != 0) status = 404;
    if (status == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        LOG(app, info) << "http: " << req.method << " " << req.target << " -> directory";
        return respond_dir(real, *rel, slash);
    }
    if (status == 0 && !S_ISREG(st.st_mode)) status = 403;  // a device, FIFO or socket
    LOG(app, info) << "http: " << req.method << " " << req.target << " -> " << (status ? status : 200);
    if (status != 0) {
        if (fd >= 0) ::close(fd);
        return respond_error(status, false);
    }
    respond_file(fd, st, *rel);
}

void Server::respond_file(int fd, const struct stat& st, const std::string& rel) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    // RFC 9110 15.4.5: a 304 has no content; its Content-Length, if sent,
    // is the one a 200 would have had (8.6).
    const bool not_modified = if_modified_since_ && st.st_mtime <= *if_modified_since_;
    head(not_modified ? 304 : 200, content_type(rel), size, "Last-Modified: " + http_date(st.st_mtime) + "\r\n");
    if (head_only_ || not_modified || size == 0) {
        ::close(fd);
        return;
    }
    file_fd_ = fd;
    file_left_ = size;
}

void Server::respond_dir(const std::string& real, const std::string& rel, bool slash) {
    const std::string url = "/" + percent_encode(rel) + (rel.empty() ? "" : "/");
    // Relative links in a page need the directory's URL to end in '/'.
    if (!slash) return respond_error(301, false, "Location: " + url + "\r\n");
    std::string index;
    if (resolve_inside(cfg_.root, real + "/index.html", index) == 0) {
        const int fd = ::open(index.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
        struct stat st {};
        if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
            return respond_file(fd, st, index);
        if (fd >= 0) ::close(fd);
    }
    DIR* d = ::opendir(real.c_str());
    if (!d) return respond_error(errno == EACCES ? 403 : 404, false);
    std::vector<std::string> names;
    constexpr std::size_t kMaxEntries = 10000;  // a bound on the page's size
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == ".." || names.size() == kMaxEntries) continue;
        struct stat st {};
        const bool is_dir = ::fstatat(::dirfd(d), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
        names.push_back(is_dir ? name + "/" : name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    const std::string title = "Index of " + html_escape(url);
    std::string body = "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title +
                       "</h1>\n<ul>\n";
    if (!rel.empty()) body += "<li><a href=\"../\">../</a></li>\n";
    for (const auto& n : names)
        body += "<li><a href=\"" + percent_encode(n) + "\">" + html_escape(n) + "</a></li>\n";
    body += "</ul></body></html>\n";
    head(200, "text/html; charset=utf-8", body.size(), "");
    if (!head_only_) out_ += body;
}

}  // namespace app::http
