// How an application thread hands work to the event loop and waits for the
// answer (docs/design.md, rule 4). Internal to stack/.
#pragma once
#include <future>
#include <memory>

#include "stack/core.hpp"

namespace stack {

// Posts `fn(core, reply)` to the loop and waits for the reply; if the loop
// has stopped, answers `stopped` without waiting.
template <class T, class Fn>
T ask(Core& core, T stopped, Fn fn) {
    auto reply = std::make_shared<std::promise<T>>();
    auto answer = reply->get_future();
    if (!core.loop.post([&core, reply, fn]() mutable { fn(core, reply); })) return stopped;
    return answer.get();
}

}  // namespace stack
