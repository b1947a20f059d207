// Fragmentation of our own outgoing datagrams (RFC 791 2.3 "Fragmentation"
// and 3.2): a datagram larger than the link MTU leaves as several, each with
// the original header, its slice of the data, and the offset of that slice.
//
//   Fragmenter f(datagram, dev.mtu());
//   if (f.error() != FragmentError::None) ... (DF set: EMSGSIZE to the app)
//   while (std::size_t n = f.next(tx_buf)) send(tx_buf.first(n));
//
// TCP never comes here (it sizes segments by MSS and sets DF); ICMP and UDP
// do, e.g. the reply to `ping -s 4000`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.hpp"
#include "ip/ipv4.hpp"

namespace ip {

// RFC 791 3.2: "Every internet module must be able to forward a datagram of
// 68 octets without further fragmentation" -- the smallest legal MTU.
constexpr std::size_t kMinMtu = 68;

enum class FragmentError : std::uint8_t {
    None,
    Malformed,     // not a parseable IPv4 datagram
    DontFragment,  // larger than the MTU with DF set (RFC 791 3.1)
    MtuTooSmall,   // mtu < 68
    HasOptions,    // we build every header with IHL 5 and do not split options
};
std::string_view to_string(FragmentError e);

class Fragmenter {
public:
    // `datagram` is a whole IPv4 packet (header and data) and must stay
    // valid while next() is called. One that fits in `mtu` comes out
    // unchanged, as a single "fragment".
    Fragmenter(base::Bytes datagram, std::size_t mtu);

    FragmentError error() const { return error_; }
    // How many packets next() will produce in all (0 on error).
    std::size_t count() const;
    // Writes the next fragment into `out` and returns its length; 0 when
    // all are written, on error, or if `out` is smaller than the MTU.
    std::size_t next(base::MutBytes out);

private:
    FragmentError error_ = FragmentError::None;
    Ipv4Header header_;
    base::Bytes whole_;     // the datagram as given
    base::Bytes data_;      // its data, what is sliced
    std::size_t mtu_ = 0;
    std::size_t slice_ = 0;  // data bytes per fragment, a multiple of 8
    std::size_t done_ = 0;   // data bytes written so far
    bool single_ = false;    // fits: copy it as is
    bool single_sent_ = false;
};

}  // namespace ip
