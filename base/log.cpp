// Boost.Log is confined to this file (docs/design.md, rule 7).
#include "base/log.hpp"

#include "base/err_out.hpp"

#include <boost/log/attributes/clock.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/logger.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/attributes/attribute_value_impl.hpp>
#include <boost/log/support/date_time.hpp>
#include <boost/log/utility/setup/common_attributes.hpp>
#include <boost/core/null_deleter.hpp>
#include <boost/date_time/posix_time/posix_time_types.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>

namespace logx {

std::atomic<int> g_threshold[static_cast<int>(Channel::Count)] = {
    static_cast<int>(Level::info), static_cast<int>(Level::info),
    static_cast<int>(Level::info), static_cast<int>(Level::info),
    static_cast<int>(Level::info), static_cast<int>(Level::info),
    static_cast<int>(Level::info), static_cast<int>(Level::info)};

namespace {
constexpr std::array<std::string_view, 6> kLevelNames = {
    "trace", "debug", "info", "warning", "error", "off"};
constexpr std::array<std::string_view, static_cast<int>(Channel::Count)> kChannelNames = {
    "link", "arp", "ip", "icmp", "udp", "tcp", "stack", "app"};


// The one clock of the logs and the traces: the monotonic clock (the event
// loop's, CLOCK_MONOTONIC), counted from the start of the program. Taken
// at static initialisation, before main() runs.
const std::chrono::steady_clock::time_point g_origin = std::chrono::steady_clock::now();

// "   1.234567": the trace's time column (trace/trace_text.hpp), so that a
// log line and a trace line of the same moment show the same number.
std::string uptime() {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - g_origin)
                        .count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%4lld.%06lld", static_cast<long long>(us / 1000000),
                  static_cast<long long>(us % 1000000));
    return buf;
}

std::once_flag g_once;
boost::log::sources::logger_mt& source() {
    static boost::log::sources::logger_mt lg;
    return lg;
}

void setup_sink() {
    namespace bl = boost::log;
    namespace expr = boost::log::expressions;
    using backend_t = bl::sinks::text_ostream_backend;
    auto backend = boost::make_shared<backend_t>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&err(), boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<bl::sinks::synchronous_sink<backend_t>>(backend);
    // The record is the whole line, "   0.012345 [debug] tcp: message"
    // (write() puts it together): seconds since the program started.
    sink->set_formatter(expr::stream << expr::smessage);
    bl::core::get()->add_sink(sink);
}
}  // namespace

std::string_view to_string(Level l) { return kLevelNames[static_cast<int>(l)]; }
std::string_view to_string(Channel c) { return kChannelNames[static_cast<int>(c)]; }

std::optional<Level> parse_level(std::string_view s) {
    for (std::size_t i = 0; i < kLevelNames.size(); ++i)
        if (kLevelNames[i] == s) return static_cast<Level>(i);
    if (s == "warn") return Level::warning;
    return std::nullopt;
}

void set_level(Level level) {
    for (auto& t : g_threshold) t.store(static_cast<int>(level), std::memory_order_relaxed);
}
void set_level(Channel c, Level level) {
    g_threshold[static_cast<int>(c)].store(static_cast<int>(level), std::memory_order_relaxed);
}

std::chrono::microseconds origin() {
    return std::chrono::duration_cast<std::chrono::microseconds>(g_origin.time_since_epoch());
}

void init(Level level) {
    std::call_once(g_once, setup_sink);
    set_level(level);
}

void write(Channel c, Level l, const std::string& msg) {
    std::call_once(g_once, setup_sink);
    namespace bl = boost::log;
    auto& lg = source();
    bl::record r = lg.open_record();
    if (!r) return;
    // The line is put together here, in one string: attribute values for
    // the channel, level and time would cost an allocation each per line.
    std::string line = uptime();
    line.reserve(line.size() + msg.size() + 24);
    line += " [";
    line += to_string(l);
    line += "] ";
    line += to_string(c);
    line += ": ";
    line += msg;
    bl::record_ostream strm(r);
    strm << line;
    strm.flush();
    lg.push_record(std::move(r));
}

}  // namespace logx
