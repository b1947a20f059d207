// What a socket call can fail with. Distinct kinds so that an application can
// print "refused", "timed out" or "reset" rather than one "error".
#pragma once
#include <string_view>

namespace base {

enum class Err {
    None,
    Refused,       // RST in reply to our SYN (RFC 9293 3.10.7.3)
    TimedOut,      // no answer within the timeout / retry limit
    Reset,         // the peer reset an established connection
    Unreachable,   // no route to the host (or an ICMP hard error)
    AddrInUse,     // the port is taken (by us, another instance, or the kernel)
    AddrNotAvail,  // the address is not one of this host's
    Closed,        // the socket was closed or shut down for this operation
    Aborted,       // the connection was aborted locally
    Shutdown,      // the stack is shutting down
    Failed,        // something outside TCP failed (nft); see the log
};

constexpr std::string_view to_string(Err e) {
    switch (e) {
        case Err::None: return "success";
        case Err::Refused: return "connection refused";
        case Err::TimedOut: return "connection timed out";
        case Err::Reset: return "connection reset by peer";
        case Err::Unreachable: return "no route to host";
        case Err::AddrInUse: return "address already in use";
        case Err::AddrNotAvail: return "address not available on this host";
        case Err::Closed: return "socket closed";
        case Err::Aborted: return "connection aborted";
        case Err::Shutdown: return "stack shutting down";
        case Err::Failed: return "operation failed";
    }
    return "?";
}

// A value or the reason there is none.
template <class T>
struct Result {
    T value{};
    Err err = Err::None;
    bool ok() const { return err == Err::None; }
    explicit operator bool() const { return ok(); }
};

}  // namespace base
