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
