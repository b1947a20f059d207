// The stack's logging front end. Protocol code includes only this header;
// Boost.Log lives behind it in log.cpp (its headers are heavy; docs/design.md, rule 7).
//
//   LOG(tcp, debug) << "rto fired, backoff to " << rto_ms << " ms";
//
// The level check happens before anything is formatted, so a disabled level
// costs one relaxed atomic load and a compare on the packet path.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace logx {

enum class Level : int { trace = 0, debug, info, warning, error, off };
enum class Channel : int { link = 0, arp, ip, icmp, udp, tcp, stack, app, Count };

std::string_view to_string(Level);
std::string_view to_string(Channel);
std::optional<Level> parse_level(std::string_view);  // "debug", "info", ...

// Log lines are stamped with the seconds since the program started, on the
// monotonic clock (std::chrono::steady_clock, which the event loop reads
// too): origin() is that start, as steady_clock's microseconds since its
// epoch, so a trace (stack/watch.cpp) can count from the same instant.
std::chrono::microseconds origin();

// One threshold per channel; all equal unless set separately.
extern std::atomic<int> g_threshold[static_cast<int>(Channel::Count)];

inline bool enabled(Channel c, Level l) {
    return static_cast<int>(l) >=
           g_threshold[static_cast<int>(c)].load(std::memory_order_relaxed);
}

// Set up Boost.Log once (console sink on stderr, compact format with time,
// level and channel). Safe to call again to change the level.
void init(Level level);
void set_level(Level level);
void set_level(Channel c, Level level);
inline Level level(Channel c) {
    return static_cast<Level>(g_threshold[static_cast<int>(c)].load(std::memory_order_relaxed));
}

void write(Channel c, Level l, const std::string& msg);

// Collects one record; emitted in the destructor.
class Line {
public:
    Line(Channel c, Level l) : c_(c), l_(l) {}
    Line(const Line&) = delete;
    Line& operator=(const Line&) = delete;
    ~Line() { write(c_, l_, os_.str()); }
    template <class T>
    Line& operator<<(const T& v) {
        os_ << v;
        return *this;
    }

private:
    Channel c_;
    Level l_;
    std::ostringstream os_;
};

}  // namespace logx

#define LOG(ch, lvl)                                                        \
    if (!::logx::enabled(::logx::Channel::ch, ::logx::Level::lvl)) {       \
    } else                                                                  \
        ::logx::Line(::logx::Channel::ch, ::logx::Level::lvl)

#define LOG_ENABLED(ch, lvl) ::logx::enabled(::logx::Channel::ch, ::logx::Level::lvl)
