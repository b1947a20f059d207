// A listening socket (RFC 9293 3.10.7.2, the LISTEN state), sans-IO: what a
// segment arriving for it gets, and its two queues. The host creates the
// connections; the listener only counts and orders them.
//
//   SYN queue: connections in SYN-RECEIVED that came from this listener
//              (half-open), at most syn_backlog of them.
//   accept queue: connections that reached ESTABLISHED and wait for the
//              application's accept(), at most backlog of them.
//
// A SYN that finds the accept queue full is dropped, as Linux does: the
// client's SYN retransmission tries again later. One that finds only the SYN
// queue full is the host's to answer with a SYN cookie (RFC 4987 3.3,
// tcp/syn_cookie.hpp), or to drop if cookies are off.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "tcp/segment.hpp"

namespace tcp {

class Listener {
public:
    using Id = std::uint64_t;  // the host's name for a connection

    // addr 0: every local address. The SYN queue holds at least 16, so a
    // backlog of 1 still lets a few handshakes run at once.
    Listener(std::uint32_t addr, std::uint16_t port, std::size_t backlog);

    enum class Verdict : std::uint8_t {
        Ignore,  // "An incoming RST should be ignored"; no SYN: "drop the segment"
        Reset,   // "Any acknowledgment is bad if it arrives on a connection still in
                 // the LISTEN state": <SEQ=SEG.ACK><CTL=RST>
        Open,    // a SYN with room for it: create the connection (SYN-RECEIVED)
        Full,    // a SYN, but the accept queue is full: dropped
        SynQueueFull,  // a SYN, the SYN queue full (the accept queue not): a cookie
    };
    // RFC 9293 3.10.7.2, in the RFC's order: RST, then ACK, then SYN.
    Verdict on_segment(const Header& h) const;

    void opened(Id id);       // a connection was created for an Open SYN
    void established(Id id);  // it reached ESTABLISHED: SYN queue -> accept queue
    // RFC 4987 3.3: a connection made ESTABLISHED from a SYN cookie's ACK
    // goes straight to the accept queue; false (nothing done) if it is full.
    bool from_cookie(Id id);
    bool accept_queue_full() const { return ready_.size() >= backlog_; }
    // It died before accept(): out of whichever queue holds it.
    void died(Id id, bool was_established);
    // The oldest completed connection, for the application's accept().
    std::optional<Id> accept();

    std::uint32_t addr() const { return addr_; }
    std::uint16_t port() const { return port_; }
    std::size_t backlog() const { return backlog_; }
    std::size_t syn_backlog() const { return syn_backlog_; }
    std::size_t half_open() const { return half_open_; }
    std::size_t ready() const { return ready_.size(); }
    const std::deque<Id>& accept_queue() const { return ready_; }

private:
    std::uint32_t addr_;
    std::uint16_t port_;
    std::size_t backlog_;
    std::size_t syn_backlog_;
    std::size_t half_open_ = 0;
    std::deque<Id> ready_;
};

}  // namespace tcp
