// A token bucket for the ICMP errors a host sends (RFC 1812 4.3.2.8: "a
// router MUST ... limit the rate at which it originates ICMP error
// messages"; RFC 1122 3.2.2 asks the same of hosts that may be flooded):
// `rate` tokens a second up to `burst`, one per message. Linux's defaults:
// 1000 a second, bursts of 50 (net.ipv4.icmp_msgs_per_sec, _burst). Sans-IO:
// the time comes in as an argument.
#pragma once
#include <algorithm>
#include <cstdint>

#include "base/time.hpp"

namespace ip {

class TokenBucket {
public:
    TokenBucket(std::uint32_t rate_per_second, std::uint32_t burst)
        : rate_(std::max<std::uint32_t>(rate_per_second, 1)), burst_(burst), tokens_(burst) {}

    // Takes a token if there is one at `now`.
    bool take(base::Time now) {
        if (now > last_) {
            const auto us = static_cast<std::uint64_t>((now - last_).count());
            const std::uint64_t fresh = us * rate_ / 1000000;
            if (fresh > 0) {
                tokens_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(burst_, tokens_ + fresh));
                // Keep the remainder: the time of the tokens not yet earned.
                last_ = now - base::Time(static_cast<std::int64_t>(us - fresh * 1000000 / rate_));
            }
        }
        if (tokens_ == 0) return false;
        --tokens_;
        return true;
    }

private:
    std::uint32_t rate_, burst_, tokens_;
    base::Time last_{0};
};

}  // namespace ip
