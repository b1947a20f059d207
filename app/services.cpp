#include "app/services.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>

namespace app {

std::size_t EchoSession::take(base::SplitBytes in, Output& out) {
    // RFC 862: what was received goes back in order, so nothing buffered
    // through feed() may be overtaken.
    if (pending() > 0) return 0;
    return out.commit(base::copy_split(in, out.room(in.size())));
}

void EchoSession::feed(base::Bytes in) {
    if (off_ == buf_.size()) {  // all sent: start over, keeping the capacity
        buf_.clear();
        off_ = 0;
    }
    buf_.insert(buf_.end(), in.begin(), in.end());
}

std::size_t EchoSession::produce(base::MutBytes out) {
    const std::size_t n = std::min(out.size(), pending());
    if (n == 0) return 0;
    std::memcpy(out.data(), buf_.data() + off_, n);
    off_ += n;
    if (off_ == buf_.size()) {
        // Emptied: the capacity stays (at most kMaxPending plus one read),
        // so a busy connection does not allocate per chunk.
        buf_.clear();
        off_ = 0;
    }
    return n;
}

DaytimeSession::DaytimeSession() {
    char line[128];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    // The RFC's suggested shape: "Weekday, Month Day, Year HH:MM:SS-Zone".
    const std::size_t n = std::strftime(line, sizeof line, "%A, %B %d, %Y %H:%M:%S-%Z\r\n", &tm);
    line_.assign(line, n);
}

std::size_t DaytimeSession::produce(base::MutBytes out) {
    const std::size_t n = std::min(out.size(), line_.size() - sent_);
    std::memcpy(out.data(), line_.data() + sent_, n);
    sent_ += n;
    return n;
}

}  // namespace app
