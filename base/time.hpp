// Time as every layer passes it around: a duration since an arbitrary epoch
// (the event loop's monotonic clock, or a test's virtual clock), in
// microseconds. One definition, so that tcp::Time, l2::Time and ip::Time
// are the same type. Nothing here reads a clock.
#pragma once
#include <chrono>

namespace base {

using Duration = std::chrono::microseconds;
using Time = Duration;

}  // namespace base
