// Standard error in few writes (base/err_out): a deferring thread's lines
// wait for flush_err(); another thread's line goes out at once, and takes
// the waiting ones with it, ahead of its own, so the order holds.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "base/err_out.hpp"

namespace {

// What has been written to the pipe standing in for stderr so far.
std::string drain(int fd) {
    std::string got;
    char b[256];
    for (ssize_t n; (n = read(fd, b, sizeof b)) > 0;) got.append(b, static_cast<std::size_t>(n));
    return got;
}

}  // namespace

TEST_CASE("err(): a deferring thread's lines wait, and keep their place before another thread's") {
    logx::flush_err();
    int p[2];
    REQUIRE(pipe(p) == 0);
    REQUIRE(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
    const int saved = dup(STDERR_FILENO);
    REQUIRE(dup2(p[1], STDERR_FILENO) >= 0);

    std::thread loop([] {
        logx::defer_on_this_thread(true);
        logx::err() << "one\n" << std::flush;
        logx::err() << "two\n" << std::flush;
    });
    loop.join();
    const std::string held = drain(p[0]);
    logx::err() << "three\n" << std::flush;  // not deferring: out at once, after the others
    const std::string after = drain(p[0]);

    std::thread again([] {
        logx::defer_on_this_thread(true);
        logx::err() << "four\n" << std::flush;
        logx::flush_err();  // the end of a wake-up
    });
    again.join();
    const std::string flushed = drain(p[0]);

    dup2(saved, STDERR_FILENO);
    close(saved);
    close(p[0]);
    close(p[1]);
    CHECK(held.empty());
    CHECK(after == "one\ntwo\nthree\n");
    CHECK(flushed == "four\n");
}
