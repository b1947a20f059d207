#include "os/signals.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace os {

namespace {
sigset_t exit_signals() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigaddset(&s, SIGUSR1);
    return s;
}
}  // namespace

ExitSignals::ExitSignals() {
    // A shell starts background jobs with SIGINT ignored, and an ignored
    // signal never becomes pending, so signalfd would not see it; `kill
    // -INT` must still stop us cleanly. (SIGHUP stays ignored under nohup.)
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    const sigset_t s = exit_signals();
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    signal_fd_ = signalfd(-1, &s, SFD_CLOEXEC);
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { watch(); });
}

ExitSignals::~ExitSignals() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(stop_fd_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    close(signal_fd_);
    close(stop_fd_);
}

void ExitSignals::on_signal(std::function<void(int)> fn) {
    std::lock_guard lk(mu_);
    fn_ = std::move(fn);
}

void ExitSignals::on_info(std::function<void()> fn) {
    std::lock_guard lk(mu_);
    info_ = std::move(fn);
}

void ExitSignals::watch() {
    for (;;) {
        pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;
        signalfd_siginfo si;
        if (read(signal_fd_, &si, sizeof si) != sizeof si) continue;
        const int sig = static_cast<int>(si.ssi_signo);
        std::function<void(int)> fn;
        std::function<void()> info;
        {
            std::lock_guard lk(mu_);
            fn = fn_;
            info = info_;
        }
        if (sig == SIGUSR1) {
            if (info) info();
            continue;
        }
        if (!fn) std::_Exit(128 + sig);
        fn(sig);
    }
}

}  // namespace os
