// Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport,
// remoteip, remoteport, secretkey), M a 4-microsecond clock and F a keyed
// hash (SipHash-2-4 here) with a secret chosen at random at start-up. So
// ISNs are unpredictable to an off-path attacker and still increase for a
// reused 4-tuple.
#pragma once
#include <array>
#include <cstdint>

#include "tcp/seq.hpp"
#include "tcp/types.hpp"

namespace tcp {

class IsnGenerator {
public:
    // The secret key comes from the caller (the event loop draws it at
    // random): tcp/ reads neither a clock nor an entropy source.
    explicit IsnGenerator(const std::array<std::uint64_t, 2>& key) : key_(key) {}
    Seq next(const Tuple& t, Time now) const;

private:
    std::array<std::uint64_t, 2> key_;
};

// SipHash-2-4 of a short message; exposed for the tests.
std::uint64_t siphash24(const std::array<std::uint64_t, 2>& key, const std::uint8_t* msg,
                        std::size_t len);

}  // namespace tcp
