// The one thread that owns protocol state (docs/design.md, rule 4). It sleeps in
// epoll_wait until one of three things happens:
//   - a watched fd is readable (the device: packets arrived),
//   - the timerfd fires (the earliest protocol deadline is due),
//   - the eventfd is written (an application thread posted a request
//     while the loop was asleep: one posted while it is awake is seen
//     before it sleeps again, with no eventfd write or read at all).
// It never spins: with nothing to do it blocks with no timeout.
//
// Each wake-up does a bounded amount of work (the device callback reads at
// most a budget of packets; at most kTaskBudget posted tasks run), and the
// timer check runs on every wake-up, so a packet flood cannot starve timers
// or the applications (busy loops). Work left over keeps its fd
// readable (level-triggered), so the next epoll_wait returns at once.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "tcp/types.hpp"

namespace stack {

class EventLoop {
public:
    static constexpr std::size_t kTaskBudget = 64;

    EventLoop();  // throws std::system_error if epoll/timerfd/eventfd fail
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // The monotonic clock, as the microseconds tcp:: code works in.
    static tcp::Time now();

    // Loop thread, or before run(): call `on_ready` whenever fd is readable.
    void watch(int fd, std::function<void()> on_ready);
    // Loop thread: the function run() calls when the deadline is due.
    void on_timer(std::function<void()> fn) { on_timer_ = std::move(fn); }
    // Loop thread, or before run(): called once at the end of every wake-up
    // (the devices flush what they batched during it).
    void after_wake(std::function<void()> fn) { after_wake_ = std::move(fn); }
    // Loop thread: wake up at `t` (absolute, same clock as now()), or never.
    // on_timer runs only once `t` is due, however early the timerfd fires.
    void set_deadline(std::optional<tcp::Time> t);
    // How many times the timerfd was armed (timerfd_settime), for the tests.
    std::uint64_t timer_arms() const { return arms_; }
    // How many times a post wrote the eventfd (a sleeping loop), for the tests.
    std::uint64_t eventfd_writes() const;

    // Any thread: run `task` on the loop thread. Returns false (and drops the
    // task) once stop() has been called.
    bool post(std::function<void()> task);
    // Any thread: make run() return after the current wake-up. Tasks posted
    // before stop() still run (they see the owner's "stopping" state).
    void stop();

    void run();

private:
    void run_tasks(std::size_t budget);
    void arm(tcp::Time t);

    int epoll_fd_ = -1;
    int timer_fd_ = -1;
    int event_fd_ = -1;
    std::unordered_map<int, std::function<void()>> watchers_;
    std::function<void()> on_timer_;
    std::function<void()> after_wake_;
    std::optional<tcp::Time> deadline_;  // when the owner wants on_timer
    std::optional<tcp::Time> armed_;     // what the timerfd is armed for: never after deadline_
    std::uint64_t arms_ = 0;

    mutable std::mutex mu_;  // guards the four below; never held while a task runs
    std::deque<std::function<void()>> tasks_;
    bool stopped_ = false;
    // In (or about to enter) epoll_wait with no task waiting: a post must
    // write the eventfd. False while the loop is awake, which looks at the
    // queue again before it sleeps.
    bool sleeping_ = true;
    std::uint64_t wakes_written_ = 0;
};

}  // namespace stack
