// An HTTP/1.1 static file server as an app::Session (sans-IO: no socket; it
// reads files, and the clock through Config::now). What it does of RFC 9112
// and RFC 9110, and what it answers otherwise:
//
//   GET, HEAD                      200 with the file (HEAD: the headers only)
//   other methods of RFC 9110 9.3  405 with "Allow: GET, HEAD" (15.5.6)
//   any other method               501 (RFC 9110 9.1, 15.6.2)
//   no Host in 1.1, two Hosts      400 and close (RFC 9112 3.2)
//   bad syntax, bad %-escape, NUL,
//   a ".." segment                 400 and close
//   request line over the limit    414 and close (RFC 9112 3)
//   header line or count over      431 and close (RFC 6585 5)
//   Transfer-Encoding in a request 411 and close: we read no chunked bodies
//   HTTP/2+ in the request line    505 and close
//   a missing file, a path (or a
//   symlink) leading out of root   404
//   a directory                    its index.html, else a generated listing
//                                  (301 to "path/" when the slash is missing)
//   If-Modified-Since not older
//   than the file                  304, no body (RFC 9110 13.1.3, 15.4.5)
//
// Keep-alive by default in 1.1, "Connection: close" honoured; 1.0 closes
// unless it asks for keep-alive (RFC 9112 9.3). Pipelined requests are
// answered in order. A body with Content-Length is read and ignored.
// Files stream from their fd in reads of at most 64 KiB straight into
// produce()'s buffer: no file is ever held in memory.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/session.hpp"

namespace app::http {

struct Limits {
    std::size_t max_line = 8192;     // request line or one header line, CRLF excluded
    std::size_t max_headers = 100;   // header fields in one request
};

struct Request {
    std::string method;
    std::string target;   // as sent
    int minor = 1;        // HTTP/1.minor
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::uint64_t content_length = 0;

    // The value of the one field named `name` (lower case), nullopt if absent.
    std::optional<std::string_view> header(std::string_view name) const;
    // How many fields named `name` the request has.
    std::size_t count(std::string_view name) const;
    // Whether a comma-separated field lists `token` (case-insensitive).
    bool has_token(std::string_view name, std::string_view token) const;
};

// Parses requests out of a byte stream, one at a time: next() returns Done
// with request() filled, or Error with the status to answer, or NeedMore.
// After Done it skips the request's Content-Length body by itself before
// the next request line.
class RequestParser {
public:
    enum class State { NeedMore, Done, Error };
    explicit RequestParser(Limits limits = {}) : limits_(limits) {}

    void feed(std::string_view bytes) { buf_.append(bytes); }
    State next();
    const Request& request() const { return req_; }
    int error_status() const { return error_; }
    // Bytes received and not yet parsed (or skipped).
    std::size_t buffered() const { return buf_.size() - pos_; }

private:
    enum class Phase { RequestLine, Headers, Body };
    std::optional<std::string_view> take_line();  // nullopt: no full line yet (or error_ set)
    State fail(int status);
    State request_line(std::string_view line);
    State header_line(std::string_view line);
    State end_of_headers();
    void compact();

    Limits limits_;
    std::string buf_;
    std::size_t pos_ = 0;   // first byte not yet consumed
    std::size_t scan_ = 0;  // the search for '\n' resumes here
    Phase phase_ = Phase::RequestLine;
    std::uint64_t body_left_ = 0;
    Request req_;
    int error_ = 0;
};

// The request-target's path, %-decoded and checked (RFC 9112 3.2, RFC 3986
// 3.3): the segments relative to the root joined by '/', "" for the root
// itself, or nullopt (answer 400) for a target that is not origin- or
// absolute-form, a bad escape, a NUL, or a ".." segment. The query is
// dropped. `dir` says whether the path ended in '/'.
std::optional<std::string> target_path(std::string_view target, bool* dir = nullptr);

// Content-Type by the file's extension (application/octet-stream by default).
std::string_view content_type(std::string_view path);

// RFC 9110 5.6.7 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::time_t t);
// RFC 9110 5.6.7: any of the three HTTP-date forms; nullopt if none.
std::optional<std::time_t> parse_http_date(std::string_view text);

struct Config {
    std::string root;  // an existing directory (realpath() is taken of it)
    Limits limits;
    std::function<std::time_t()> now = [] { return std::time(nullptr); };
    std::size_t read_chunk = 64 * 1024;  // the largest read() of a file
};

class Server final : public Session {
public:
    explicit Server(Config cfg);
    ~Server() override;
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    void feed(base::Bytes in) override;
    void peer_closed() override;
    std::size_t produce(base::MutBytes out) override;
    bool has_output() const override { return !idle(); }
    bool finished() const override;
    bool wants_input() const override;

    // Responses begun so far (for the tests and the log).
    std::size_t responses() const { return responses_; }

private:
    bool idle() const { return out_pos_ == out_.size() && file_fd_ < 0; }
    void step();
    void respond(const Request& req);
    void respond_error(int status, bool close, const std::string& extra = "");
    void respond_file(int fd, const struct stat& st, const std::string& rel);
    void respond_dir(const std::string& real, const std::string& rel, bool slash);
    void head(int status, std::string_view type, std::uint64_t length, const std::string& extra);
    void end_file();

    Config cfg_;
    RequestParser parser_;
    std::string out_;          // the head (and small bodies) not yet produced
    std::size_t out_pos_ = 0;
    int file_fd_ = -1;         // the body being streamed
    std::uint64_t file_left_ = 0;
    bool close_after_ = false; // close once this response is out
    bool done_ = false;        // no more requests are answered
    bool peer_closed_ = false;
    int minor_ = 1;            // the request's HTTP/1.minor
    bool head_only_ = false;   // HEAD: the same head, no body (RFC 9110 9.3.2)
    std::optional<std::time_t> if_modified_since_;  // RFC 9110 13.1.3
    std::size_t responses_ = 0;
};

// A user's root that cannot be served: why (one line), or nullopt if fine.
std::optional<std::string> check_root(const std::string& root);

}  // namespace app::http
