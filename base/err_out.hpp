// Standard error, where log lines and trace lines go, written in as few
// write(2) calls as the loop allows. A thread that defers (the event loop's,
// for the length of one wake-up) only collects what it writes; flush() at
// the end of the wake-up hands it to the kernel in one call, before the
// loop waits again. Any other thread's write goes out at once, and takes
// what the loop collected with it, ahead of its own: so the lines keep the
// order they were written in, whichever thread wrote them, while a wake-up
// that logs five state changes and traces ten segments costs one system
// call, not fifteen.
#pragma once
#include <ostream>

namespace logx {

// The stream every diagnostic on stderr goes through (Boost.Log's sink, the
// trace, --stats). Each flush (std::flush, std::endl) is a line's end.
std::ostream& err();

// While on, this thread's writes to err() are collected, not written.
void defer_on_this_thread(bool on);
// Everything collected so far goes out now (any thread).
void flush_err();

}  // namespace logx
