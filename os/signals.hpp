// Ctrl-C and `kill` must not leave anything installed (the nftables table).
// Signals in a threaded program are easiest taken on one thread of our own:
// ExitSignals blocks SIGINT, SIGTERM and SIGHUP in the calling thread, so
// every thread started afterwards (the loop, the firewall worker) inherits
// the mask, and a watcher thread reads them from a signalfd and runs the
// handler there, where it may take locks and call Stack::shutdown().
// SIGUSR1 is taken the same way but ends nothing: it runs the info handler
// (--stats prints what it sees now) and the program goes on, as `dd` does.
//
// Construct it first thing in main(), before any other thread exists.
#pragma once
#include <functional>
#include <mutex>
#include <thread>

namespace os {

class ExitSignals {
public:
    ExitSignals();
    ~ExitSignals();
    ExitSignals(const ExitSignals&) = delete;
    ExitSignals& operator=(const ExitSignals&) = delete;

    // Runs fn(signo) on the watcher thread for each signal. With no handler
    // set yet, a signal exits at once with 128 + signo (nothing to clean).
    void on_signal(std::function<void(int)> fn);
    // Runs fn() on the watcher thread for each SIGUSR1; none set: ignored.
    void on_info(std::function<void()> fn);

private:
    void watch();
    int signal_fd_ = -1;
    int stop_fd_ = -1;
    std::mutex mu_;
    std::function<void(int)> fn_;
    std::function<void()> info_;
    std::thread thread_;
};

}  // namespace os
