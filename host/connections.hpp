// What Host::connection_list() returns: each live connection as `ss -ti`
// shows it, and the totals of those gone (printed by --stats, app/stats.hpp).
// Apart from host/host.hpp so that the socket API (stack/stack.hpp) can hand
// it on without the whole host.
#pragma once
#include <cstdint>
#include <vector>

#include "tcp/connection.hpp"

namespace host {

struct ConnectionInfo {
    std::uint64_t id = 0;  // the host's SocketId
    tcp::Tuple tuple;
    tcp::Info info;
    tcp::Stats stats;
};

struct ConnectionList {
    std::vector<ConnectionInfo> live;  // not yet CLOSED, by id
    std::uint64_t closed = 0;          // connections that reached CLOSED
    tcp::Stats closed_stats;           // the sum of their counters
};

}  // namespace host
