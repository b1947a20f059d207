#include "stack/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "base/err_out.hpp"
#include "base/log.hpp"

namespace stack {

namespace {
[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}
}  // namespace

EventLoop::EventLoop() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw_errno("epoll_create1");
    // std::chrono::steady_clock is CLOCK_MONOTONIC on Linux, so now() and
    // the timerfd's absolute deadlines share one clock.
    timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd_ < 0) throw_errno("timerfd_create");
    event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd_ < 0) throw_errno("eventfd");
    for (int fd : {timer_fd_, event_fd_}) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("epoll_ctl");
    }
}

EventLoop::~EventLoop() {
    for (int fd : {epoll_fd_, timer_fd_, event_fd_})
        if (fd >= 0) close(fd);
}

tcp::Time EventLoop::now() {
    return std::chrono::duration_cast<tcp::Time>(
        std::chrono::steady_clock::now().time_since_epoch());
}

void EventLoop::watch(int fd, std::function<void()> on_ready) {
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: unread packets wake us again
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("epoll_ctl");
    watchers_[fd] = std::move(on_ready);
}

void EventLoop::set_deadline(std::optional<tcp::Time> t) {
    deadline_ = t;
    // The timerfd is moved only when the deadline comes earlier than it is
    // armed for. A later deadline, or none (an RTO restarted or stopped by
    // each ACK, RFC 6298 5.1-5.3), leaves it armed: when it fires early,
    // run() finds nothing due and arms it for the deadline of then. One
    // system call per early firing instead of one per wake-up.
    if (t && (!armed_ || *t < *armed_)) arm(*t);
}

void EventLoop::arm(tcp::Time t) {
    armed_ = t;
    ++arms_;
    itimerspec its{};
    // A deadline already past still needs a non-zero value to arm.
    const auto us = std::max<std::int64_t>(t.count(), 1);
    its.it_value.tv_sec = us / 1000000;
    its.it_value.tv_nsec = (us % 1000000) * 1000;
    timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &its, nullptr);
}

bool EventLoop::post(std::function<void()> task) {
    bool wake;
    {
        std::lock_guard lk(mu_);
        if (stopped_) return false;
        // Only a sleeping loop needs the eventfd, and only once: an awake
        // one checks the queue before it sleeps (run()).
        wake = sleeping_ && tasks_.empty();
        tasks_.push_back(std::move(task));
        if (wake) ++wakes_written_;
    }
    if (wake) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = write(event_fd_, &one, sizeof one);
    }
    return true;
}

std::uint64_t EventLoop::eventfd_writes() const {
    std::lock_guard lk(mu_);
    return wakes_written_;
}

void EventLoop::stop() {
    std::lock_guard lk(mu_);
    stopped_ = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(event_fd_, &one, sizeof one);
}

void EventLoop::run_tasks(std::size_t budget) {
    for (std::size_t i = 0; i < budget; ++i) {
        std::function<void()> task;
        {
            std::lock_guard lk(mu_);
            if (tasks_.empty()) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        task();  // no lock held: the task may post, build and send packets
    }
    // Budget used up with tasks left: run() sees them before it sleeps and
    // comes straight back after the packets and timers have had their turn.
}

void EventLoop::run() {
    epoll_event events[16];
    // Log and trace lines of one wake-up leave in one write (base/err_out).
    logx::defer_on_this_thread(true);
    // A task posted while we were awake wrote no eventfd: if one waits,
    // only look at the fds (timeout 0); else sleep, and say so first. Set
    // here and at the end of every turn, under the lock a post takes.
    bool pending;
    {
        std::lock_guard lk(mu_);
        pending = !tasks_.empty();
        sleeping_ = !pending;
    }
    for (;;) {
        int n = epoll_wait(epoll_fd_, events, 16, pending ? 0 : -1);
        if (!pending) {
            std::lock_guard lk(mu_);
            sleeping_ = false;
        }
        if (n < 0) {
            // A signal cut the wait short: a turn with no fd ready, so the
            // end of the turn decides about sleeping again, as always.
            if (errno != EINTR) {
                LOG(stack, error) << "epoll_wait: " << std::strerror(errno);
                break;
            }
            n = 0;
        }
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            std::uint64_t v;
            if (fd == timer_fd_ || fd == event_fd_) {
                [[maybe_unused]] auto r = read(fd, &v, sizeof v);  // reset the counter
                if (fd == timer_fd_) armed_.reset();  // it fired: one-shot, disarmed
            } else if (auto it = watchers_.find(fd); it != watchers_.end()) {
                it->second();
            }
        }
        // Timers on every wake-up, whatever woke us: a flood cannot hide them.
        if (deadline_ && *deadline_ <= now() && on_timer_) {
            deadline_.reset();  // the owner re-arms from its own state
            on_timer_();
        }
        run_tasks(kTaskBudget);
        if (after_wake_) after_wake_();
        logx::flush_err();
        // It fired before the deadline (which had moved later): arm it again.
        if (deadline_ && !armed_) arm(*deadline_);
        std::lock_guard lk(mu_);
        if (stopped_) break;
        pending = !tasks_.empty();
        sleeping_ = !pending;
    }
    // Whatever was posted before stop() still runs, so that every waiting
    // application thread gets its answer.
    for (;;) {
        std::function<void()> task;
        {
            std::lock_guard lk(mu_);
            if (tasks_.empty()) break;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        task();
    }
    if (after_wake_) after_wake_();
    logx::defer_on_this_thread(false);
}

}  // namespace stack
