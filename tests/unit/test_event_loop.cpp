// The event loop: tasks posted from other threads run on the loop thread,
// deadlines fire, and stop() still answers what was posted before it.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

#include "stack/event_loop.hpp"

using stack::EventLoop;

TEST_CASE("event loop: posted tasks run on the loop thread, in order") {
    EventLoop loop;
    std::thread t([&] { loop.run(); });
    std::vector<int> seen;
    std::promise<std::thread::id> where;
    for (int i = 0; i < 200; ++i) CHECK(loop.post([&seen, i] { seen.push_back(i); }));
    loop.post([&] { where.set_value(std::this_thread::get_id()); });
    CHECK(where.get_future().get() == t.get_id());
    loop.stop();
    t.join();
    REQUIRE(seen.size() == 200);
    for (int i = 0; i < 200; ++i) CHECK(seen[i] == i);
}

TEST_CASE("event loop: a deadline wakes it up, once") {
    EventLoop loop;
    std::atomic<int> fired{0};
    std::promise<void> done;
    loop.on_timer([&] {
        if (++fired == 1) done.set_value();
    });
    std::thread t([&] { loop.run(); });
    const auto start = EventLoop::now();
    loop.post([&] { loop.set_deadline(EventLoop::now() + std::chrono::milliseconds(30)); });
    done.get_future().wait();
    CHECK(EventLoop::now() - start >= std::chrono::milliseconds(30));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(fired == 1);  // not re-armed by the owner: no second wake-up
    loop.stop();
    t.join();
}

TEST_CASE("event loop: after stop() nothing new is accepted, and earlier tasks still run") {
    EventLoop loop;
    std::atomic<int> ran{0};
    for (int i = 0; i < 500; ++i) loop.post([&] { ++ran; });  // more than one budget
    loop.stop();
    CHECK_FALSE(loop.post([&] { ++ran; }));
    loop.run();  // returns: stopped, after draining
    CHECK(ran == 500);
}

TEST_CASE("event loop: a deadline moved later leaves the timerfd alone, and on_timer waits for it") {
    EventLoop loop;
    std::promise<tcp::Time> fired_at;
    std::atomic<int> fired{0};
    tcp::Time wanted{};
    std::uint64_t arms_before = 0, arms_after = 0;
    loop.on_timer([&] {
        if (++fired == 1) fired_at.set_value(EventLoop::now());
    });
    std::thread t([&] { loop.run(); });
    loop.post([&] {
        const auto now = EventLoop::now();
        loop.set_deadline(now + std::chrono::milliseconds(5));
        arms_before = loop.timer_arms();
        // As an RTO restarted by every ACK: each deadline a little later.
        for (int i = 1; i <= 100; ++i) loop.set_deadline(now + std::chrono::milliseconds(5 + i / 4));
        loop.set_deadline(std::nullopt);  // stopped...
        wanted = now + std::chrono::milliseconds(40);
        loop.set_deadline(wanted);  // ...and started again, later
        arms_after = loop.timer_arms();
    });
    const tcp::Time at = fired_at.get_future().get();
    CHECK(arms_after == arms_before);  // no timerfd_settime for a later deadline
    CHECK(at >= wanted);               // the early firing did not call on_timer
    std::promise<void> sooner;
    loop.post([&] {
        loop.on_timer([&] { sooner.set_value(); });
        loop.set_deadline(EventLoop::now() + std::chrono::hours(1));
    });
    // An earlier deadline re-arms at once.
    loop.post([&] { loop.set_deadline(EventLoop::now() + std::chrono::milliseconds(1)); });
    sooner.get_future().wait();
    CHECK(fired == 1);
    loop.stop();
    t.join();
}

TEST_CASE("event loop: a post to an awake loop writes no eventfd, one to a sleeping loop wakes it") {
    EventLoop loop;
    std::thread t([&] { loop.run(); });
    // Asleep: the first post must wake it (the eventfd), and it runs.
    std::promise<std::uint64_t> first;
    loop.post([&] { first.set_value(loop.eventfd_writes()); });
    const std::uint64_t after_first = first.get_future().get();
    CHECK(after_first >= 1);
    // Awake (from inside a task): 100 posts, each posting the next, all run,
    // and none writes the eventfd: the loop looks at its queue before it
    // sleeps.
    std::promise<void> done;
    int ran = 0;
    std::function<void()> chain = [&] {
        if (++ran == 100) {
            done.set_value();
            return;
        }
        loop.post(chain);
    };
    loop.post(chain);
    done.get_future().wait();
    CHECK(ran == 100);
    std::promise<std::uint64_t> writes;
    loop.post([&] { writes.set_value(loop.eventfd_writes()); });
    // The chain's own first post and this one may each have found the loop
    // asleep; the 99 posts made from inside tasks did not.
    CHECK(writes.get_future().get() <= after_first + 2);
    loop.stop();
    t.join();
}
