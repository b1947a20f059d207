// The HTTP/1.1 file server session (app/http): the parser's edge cases
// (RFC 9112), requests split byte by byte and pipelined, HEAD, the errors,
// traversal attempts, keep-alive and close, and a large file streamed in
// bounded reads under back-pressure.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "app/http.hpp"

using namespace app::http;
namespace fs = std::filesystem;

namespace {

constexpr std::time_t kNow = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

// A temp directory: ROOT/{hello.txt, page.html, big.bin, sub/a.css,
// withindex/index.html, out -> OUTSIDE/secret.txt, outdir -> OUTSIDE,
// inlink.css -> ROOT/sub/a.css, a FIFO}.
struct Tree {
    fs::path base, root, outside;
    std::string big;
    Tree() {
        char tmpl[] = "/tmp/ustk-http-unit.XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        base = tmpl;
        root = base / "root";
        outside = base / "outside";
        fs::create_directories(root / "sub");
        fs::create_directories(root / "withindex");
        fs::create_directories(outside);
        write(root / "hello.txt", "hello\n");
        write(root / "page.html", "<p>hi</p>\n");
        write(root / "sub" / "a.css", "p{}\n");
        write(root / "withindex" / "index.html", "<h1>index</h1>\n");
        write(outside / "secret.txt", "secret\n");
        std::mt19937 rng(7);
        big.resize(2 * 1024 * 1024 + 123);
        for (char& c : big) c = static_cast<char>(rng());
        write(root / "big.bin", big);
        fs::create_symlink(outside / "secret.txt", root / "out");
        fs::create_symlink(outside, root / "outdir");
        fs::create_symlink(root / "sub" / "a.css", root / "inlink.css");
        REQUIRE(::mkfifo((root / "fifo").c_str(), 0644) == 0);
    }
    ~Tree() { fs::remove_all(base); }
    static void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
};

Config config(const Tree& t) {
    Config c;
    c.root = t.root.string();
    c.now = [] { return kNow; };
    return c;
}

void feed(Server& s, std::string_view in) {
    s.feed({reinterpret_cast<const std::uint8_t*>(in.data()), in.size()});
}

void feed_bytewise(Server& s, std::string_view in) {
    for (char c : in) feed(s, std::string_view(&c, 1));
}

// Everything the session has to send now.
std::string drain(Server& s, std::size_t chunk = 4096) {
    std::string out;
    std::vector<std::uint8_t> buf(chunk);
    while (std::size_t n = s.produce(buf)) out.append(reinterpret_cast<char*>(buf.data()), n);
    return out;
}

struct Resp {
    int status = 0;
    std::map<std::string, std::string> headers;
    std::string body;
};

// Takes one response off the front of `rest` (no body after a HEAD).
Resp take(std::string& rest, bool head = false) {
    Resp r;
    const std::size_t end = rest.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    const std::string block = rest.substr(0, end + 2);
    rest.erase(0, end + 4);
    REQUIRE(block.substr(0, 9) == "HTTP/1.1 ");
    r.status = std::stoi(block.substr(9, 3));
    std::size_t pos = block.find("\r\n") + 2;
    while (pos < block.size()) {
        const std::size_t eol = block.find("\r\n", pos);
        const std::string line = block.substr(pos, eol - pos);
        const std::size_t colon = line.find(": ");
        REQUIRE(colon != std::string::npos);
        r.headers[line.substr(0, colon)] = line.substr(colon + 2);
        pos = eol + 2;
    }
    if (!head) {
        const std::size_t len = std::stoul(r.headers.at("Content-Length"));
        REQUIRE(rest.size() >= len);
        r.body = rest.substr(0, len);
        rest.erase(0, len);
    }
    return r;
}

RequestParser::State parse(RequestParser& p, std::string_view in) {
    p.feed(in);
    return p.next();
}

int parse_error(std::string_view in, Limits limits = {}) {
    RequestParser p(limits);
    if (parse(p, in) != RequestParser::State::Error) return 0;
    return p.error_status();
}

}  // namespace

TEST_CASE("http parser: a request line and headers, whole or byte by byte, parse the same") {
    const std::string req = "\r\nGET /a%20b?q=1 HTTP/1.1\r\nHost: x\r\nX-Thing:  spaced value \t\r\n\r\n";
    for (bool bytewise : {false, true}) {
        RequestParser p;
        RequestParser::State s = RequestParser::State::NeedMore;
        if (bytewise) {
            for (std::size_t i = 0; i < req.size(); ++i) {
                CHECK(s == RequestParser::State::NeedMore);
                p.feed(req.substr(i, 1));
                s = p.next();
            }
        } else {
            s = parse(p, req);
        }
        REQUIRE(s == RequestParser::State::Done);
        CHECK(p.request().method == "GET");
        CHECK(p.request().target == "/a%20b?q=1");
        CHECK(p.request().minor == 1);
        CHECK(p.request().header("x-thing") == std::optional<std::string_view>("spaced value"));
        CHECK(p.request().header("host") == std::optional<std::string_view>("x"));
        CHECK(p.next() == RequestParser::State::NeedMore);
    }
}

TEST_CASE("http parser: bare LF ends a line, and a Content-Length body is skipped before the next request") {
    RequestParser p;
    REQUIRE(parse(p, "GET / HTTP/1.1\nHost: x\nContent-Length: 5\n\nhelloGET /two HTTP/1.0\n\n") ==
            RequestParser::State::Done);
    CHECK(p.request().content_length == 5);
    REQUIRE(p.next() == RequestParser::State::Done);
    CHECK(p.request().target == "/two");
    CHECK(p.request().minor == 0);
    CHECK(p.buffered() == 0);
}

TEST_CASE("http parser: every malformed request gets its status (RFC 9112, RFC 6585)") {
    CHECK(parse_error("GET / HTTP/1.1\r\n\r\n") == 400);                         // no Host in 1.1
    CHECK(parse_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);  // two Hosts
    CHECK(parse_error("GET / HTTP/1.0\r\n\r\n") == 0);                          // 1.0 needs none
    CHECK(parse_error("GET / HTTP/1.1\r\nHost : a\r\n\r\n") == 400);            // space before colon
    CHECK(parse_error("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n") == 400);  // obs-fold
    CHECK(parse_error("GET / HTTP/1.1\r\nNoColon\r\n\r\n") == 400);
    CHECK(parse_error("GET  / HTTP/1.1\r\n") == 400);                           // two spaces
    CHECK(parse_error("GET /\r\n") == 400);                                     // HTTP/0.9 shape
    CHECK(parse_error("GET / HTTP/1.1x\r\n") == 400);
    CHECK(parse_error("GET / http/1.1\r\n") == 400);                            // case-sensitive
    CHECK(parse_error("G(T / HTTP/1.1\r\n") == 400);                            // not a token
    CHECK(parse_error("GET / HTTP/2.0\r\n") == 505);
    CHECK(parse_error("GET /a\rb HTTP/1.1\r\n") == 400);                        // bare CR
    CHECK(parse_error(std::string("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 28)) == 400);  // NUL
    CHECK(parse_error("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") == 411);
    CHECK(parse_error("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\n") == 400);
    CHECK(parse_error("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") == 400);
    CHECK(parse_error("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n") == 0);
    Limits small{.max_line = 32, .max_headers = 2};
    CHECK(parse_error("GET /" + std::string(40, 'a') + " HTTP/1.1\r\n", small) == 414);
    CHECK(parse_error("GET /" + std::string(40, 'a'), small) == 414);  // no CRLF yet, already too long
    CHECK(parse_error("GET / HTTP/1.1\r\nX: " + std::string(40, 'a') + "\r\n", small) == 431);
    CHECK(parse_error("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", small) == 431);
    CHECK(parse_error("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\n\r\n", small) == 0);
}

TEST_CASE("http target_path: %-decoding first, dot segments, queries, absolute form") {
    bool dir = false;
    CHECK(target_path("/a/b.txt", &dir) == std::optional<std::string>("a/b.txt"));
    CHECK_FALSE(dir);
    CHECK(target_path("/", &dir) == std::optional<std::string>(""));
    CHECK(dir);
    CHECK(target_path("/sub/", &dir) == std::optional<std::string>("sub"));
    CHECK(dir);
    CHECK(target_path("/./a//b") == std::optional<std::string>("a/b"));
    CHECK(target_path("/a%20b") == std::optional<std::string>("a b"));
    CHECK(target_path("/a?x=/../../etc") == std::optional<std::string>("a"));
    CHECK(target_path("http://example.com/x/y?z") == std::optional<std::string>("x/y"));
    CHECK(target_path("HTTP://example.com") == std::optional<std::string>(""));
    for (const char* bad : {"/../etc/passwd", "/a/../../b", "/..", "/%2e%2e/etc/passwd", "/%2E%2e%2Fetc",
                            "/a%2f..%2f..%2fb", "/x%00.txt", "/%zz", "/%4", "/%", "*", "example.com:80",
                            "ftp://h/x"})
        CHECK_MESSAGE(!target_path(bad), bad);
}

TEST_CASE("http content_type and http_date") {
    CHECK(content_type("a/b.HTML") == "text/html; charset=utf-8");
    CHECK(content_type("x.txt") == "text/plain; charset=utf-8");
    CHECK(content_type("x.css") == "text/css");
    CHECK(content_type("x.js") == "text/javascript");
    CHECK(content_type("x.json") == "application/json");
    CHECK(content_type("x.png") == "image/png");
    CHECK(content_type("x.jpg") == "image/jpeg");
    CHECK(content_type("x.gif") == "image/gif");
    CHECK(content_type("x.svg") == "image/svg+xml");
    CHECK(content_type("x.pdf") == "application/pdf");
    CHECK(content_type("x.md") == "text/markdown; charset=utf-8");
    CHECK(content_type("favicon.ico") == "image/vnd.microsoft.icon");
    CHECK(content_type("x.bin") == "application/octet-stream");
    CHECK(content_type("dir.txt/noext") == "application/octet-stream");
    CHECK(content_type(".txt") == "application/octet-stream");  // a dot file, no extension
    CHECK(http_date(kNow) == "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110 5.6.7's example
}

TEST_CASE("http server: GET a file, fed byte by byte; keep-alive until the peer closes") {
    Tree t;
    Server s(config(t));
    feed_bytewise(s, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string out = drain(s);
    Resp r = take(out);
    CHECK(out.empty());
    CHECK(r.status == 200);
    CHECK(r.body == "hello\n");
    CHECK(r.headers["Content-Type"] == "text/plain; charset=utf-8");
    CHECK(r.headers["Date"] == "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(r.headers["Server"] == "ustack");
    CHECK(r.headers.count("Last-Modified") == 1);
    CHECK(r.headers.count("Connection") == 0);
    CHECK_FALSE(s.finished());
    CHECK(s.wants_input());
    s.peer_closed();
    CHECK(s.finished());
}

TEST_CASE("http server: HEAD has GET's headers and no body") {
    Tree t;
    Server s(config(t));
    feed(s, "HEAD /page.html HTTP/1.1\r\nHost: x\r\n\r\nGET /page.html HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string out = drain(s);
    Resp h = take(out, true);
    Resp g = take(out);
    CHECK(out.empty());
    CHECK(h.status == 200);
    CHECK(h.body.empty());
    CHECK(h.headers == g.headers);
    CHECK(h.headers["Content-Length"] == "10");
    CHECK(g.body == "<p>hi</p>\n");
    CHECK(h.headers["Content-Type"] == "text/html; charset=utf-8");
}

TEST_CASE("http server: 404 and 405 and 501 keep the connection; 400 closes it") {
    Tree t;
    Server s(config(t));
    feed(s,
         "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
         "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
         "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /hello.txt HTTP/1.1\r\n\r\n"  // no Host
         "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string out = drain(s);
    Resp r404 = take(out), r405 = take(out), r501 = take(out), r200 = take(out), r400 = take(out);
    CHECK(out.empty());  // nothing after the 400
    CHECK(r404.status == 404);
    CHECK(r404.headers["Content-Type"] == "text/html; charset=utf-8");
    CHECK(r404.body.find("404 Not Found") != std::string::npos);
    CHECK(r405.status == 405);
    CHECK(r405.headers["Allow"] == "GET, HEAD");
    CHECK(r501.status == 501);
    CHECK(r200.status == 200);
    CHECK(r400.status == 400);
    CHECK(r400.headers["Connection"] == "close");
    CHECK(s.finished());
    CHECK_FALSE(s.wants_input());
}

TEST_CASE("http server: traversal attempts never leave the root") {
    Tree t;
    for (const char* target : {"/../outside/secret.txt", "/%2e%2e/outside/secret.txt",
                               "/sub/%2e%2e%2f%2e%2e%2foutside/secret.txt", "/sub/..%2F..%2Foutside%2Fsecret.txt"}) {
        Server s(config(t));
        feed(s, "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string out = drain(s);
        Resp r = take(out);
        CHECK_MESSAGE(r.status == 400, target);
        CHECK(r.body.find("secret") == std::string::npos);
        CHECK(s.finished());
    }
    // Symlinks that lead out: not found, and the connection stays.
    Server s(config(t));
    feed(s, "GET /out HTTP/1.1\r\nHost: x\r\n\r\nGET /outdir/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /outdir/ HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string out = drain(s);
    for (int i = 0; i < 3; ++i) {
        Resp r = take(out);
        CHECK(r.status == 404);
        CHECK(r.body.find("secret") == std::string::npos);
    }
    CHECK_FALSE(s.finished());
    // A symlink that stays inside is served; a FIFO is not a file to serve
    // (and opening it must not wait for a writer).
    feed(s, "GET /inlink.css HTTP/1.1\r\nHost: x\r\n\r\nGET /fifo HTTP/1.1\r\nHost: x\r\n\r\n");
    out = drain(s);
    Resp in = take(out), fifo = take(out);
    CHECK(in.status == 200);
    CHECK(in.body == "p{}\n");
    CHECK(in.headers["Content-Type"] == "text/css");
    CHECK(fifo.status == 403);
}

TEST_CASE("http server: keep-alive, then Connection: close; HTTP/1.0 closes unless it asks") {
    Tree t;
    {
        Server s(config(t));
        feed(s, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string out = drain(s);
        CHECK(take(out).status == 200);
        CHECK_FALSE(s.finished());
        feed(s, "GET /page.html HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n");
        out = drain(s);
        Resp r = take(out);
        CHECK(r.headers["Connection"] == "close");
        CHECK(s.finished());
    }
    {
        Server s(config(t));
        feed(s, "GET /hello.txt HTTP/1.0\r\n\r\nGET /hello.txt HTTP/1.0\r\n\r\n");
        std::string out = drain(s);
        Resp r = take(out);
        CHECK(out.empty());  // the second request is not answered
        CHECK(r.headers["Connection"] == "close");
        CHECK(s.finished());
    }
    {
        Server s(config(t));
        feed(s, "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        std::string out = drain(s);
        CHECK(take(out).headers["Connection"] == "keep-alive");
        CHECK_FALSE(s.finished());
    }
}

TEST_CASE("http server: pipelined requests, fed byte by byte, are answered in order") {
    Tree t;
    Server s(config(t));
    feed_bytewise(s,
                  "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /page.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.peer_closed();
    std::string out = drain(s, 7);  // a tiny produce buffer too
    Resp a = take(out), b = take(out), c = take(out);
    CHECK(out.empty());
    CHECK(a.body == "hello\n");
    CHECK(b.status == 404);
    CHECK(c.body == "<p>hi</p>\n");
    CHECK(s.finished());
}

TEST_CASE("http server: a request cut off by the peer's FIN is not answered") {
    Tree t;
    Server s(config(t));
    feed(s, "GET /hello.txt HTTP/1.1\r\nHost:");
    s.peer_closed();
    CHECK(drain(s).empty());
    CHECK(s.finished());
}

TEST_CASE("http server: a directory gives its index.html, else a listing, and 301 without the slash") {
    Tree t;
    Server s(config(t));
    feed(s,
         "GET /sub HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /withindex/ HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string out = drain(s);
    Resp moved = take(out), list = take(out), index = take(out), top = take(out);
    CHECK(moved.status == 301);
    CHECK(moved.headers["Location"] == "/sub/");
    CHECK(list.status == 200);
    CHECK(list.body.find("<a href=\"a.css\">a.css</a>") != std::string::npos);
    CHECK(list.body.find("<a href=\"../\">") != std::string::npos);
    CHECK(index.body == "<h1>index</h1>\n");
    CHECK(index.headers["Content-Type"] == "text/html; charset=utf-8");
    CHECK(top.body.find("<a href=\"sub/\">sub/</a>") != std::string::npos);
    CHECK(top.body.find("<a href=\"../\">") == std::string::npos);
}

TEST_CASE("http server: a 2 MB file streams in reads of at most 64 KiB, with no input taken meanwhile") {
    Tree t;
    Server s(config(t));
    feed(s, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_FALSE(s.wants_input());  // back-pressure: a response is going out
    std::vector<std::uint8_t> buf(1 << 20);  // far more room than one read
    std::string out;
    std::size_t calls = 0, largest = 0;
    while (std::size_t n = s.produce(buf)) {
        ++calls;
        largest = std::max(largest, n);
        out.append(reinterpret_cast<char*>(buf.data()), n);
        if (out.size() < t.big.size()) CHECK_FALSE(s.wants_input());
    }
    CHECK(largest <= 64 * 1024 + 300);  // the head rides with the first read
    CHECK(calls >= t.big.size() / (64 * 1024));
    Resp r = take(out);
    CHECK(r.headers["Content-Length"] == std::to_string(t.big.size()));
    CHECK(r.headers["Content-Type"] == "application/octet-stream");
    CHECK(r.body == t.big);
    CHECK(take(out).body == "hello\n");  // the pipelined one, after
    CHECK(s.wants_input());
    CHECK_FALSE(s.finished());
}

TEST_CASE("http parse_http_date: the three forms of RFC 9110 5.6.7, and nothing else") {
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == std::optional<std::time_t>(kNow));
    CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == std::optional<std::time_t>(kNow));
    CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == std::optional<std::time_t>(kNow));
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
    CHECK_FALSE(parse_http_date("yesterday"));
    CHECK_FALSE(parse_http_date(""));
}

TEST_CASE("http server: If-Modified-Since gives 304 without a body when the file is not newer") {
    Tree t;
    struct stat st {};
    REQUIRE(::stat((t.root / "hello.txt").c_str(), &st) == 0);
    const std::string mtime = http_date(st.st_mtime), before = http_date(st.st_mtime - 10);
    Server s(config(t));
    feed(s, "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: " + mtime + "\r\n\r\n"
            "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: " + before + "\r\n\r\n"
            "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: not a date\r\n\r\n"
            "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"x\"\r\nIf-Modified-Since: " + mtime +
            "\r\n\r\n");
    std::string out = drain(s);
    Resp same = take(out, true);  // a 304 has no body (RFC 9110 15.4.5)
    CHECK(same.status == 304);
    CHECK(same.headers["Content-Length"] == "6");
    CHECK(same.headers["Last-Modified"] == mtime);
    for (int i = 0; i < 3; ++i) {
        Resp r = take(out);
        CHECK(r.status == 200);
        CHECK(r.body == "hello\n");
    }
    CHECK(out.empty());
}

TEST_CASE("http check_root: a missing root or a file is refused") {
    Tree t;
    CHECK_FALSE(check_root(t.root.string()));
    CHECK(check_root((t.root / "missing").string()));
    CHECK(check_root((t.root / "hello.txt").string()));
}

TEST_CASE("http server: seeded mutations of a request stream never crash, and always end") {
    Tree t;
    const std::string base =
        "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /sub/%61.css?q HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
        "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        "GET /page.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    std::mt19937 rng(1);
    std::size_t answered = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string in = base;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % in.size();
            switch (rng() % 4) {
                case 0: in[at] = static_cast<char>(rng()); break;
                case 1: in.insert(at, 1, "\r\n :%./\0"[rng() % 8]); break;
                case 2: in.erase(at, 1 + rng() % 8); break;
                default: in.resize(at + 1); break;
            }
            if (in.empty()) in = "x";
        }
        Server s(config(t));
        std::vector<std::uint8_t> buf(1 + rng() % 9000);
        std::string out;
        for (std::size_t pos = 0; pos < in.size();) {
            const std::size_t n = std::min<std::size_t>(in.size() - pos, 1 + rng() % 64);
            feed(s, std::string_view(in).substr(pos, n));
            pos += n;
            while (std::size_t m = s.produce(buf)) out.append(reinterpret_cast<char*>(buf.data()), m);
        }
        s.peer_closed();
        while (std::size_t m = s.produce(buf)) out.append(reinterpret_cast<char*>(buf.data()), m);
        REQUIRE(s.finished());
        if (!out.empty()) {
            REQUIRE(out.compare(0, 9, "HTTP/1.1 ") == 0);
            ++answered;
        }
    }
    CHECK(answered > 1000);  // most mutations still leave a request to answer
}
