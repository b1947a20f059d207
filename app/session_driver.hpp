// The one driver between TCP connections and app::Session objects, on the
// stack's loop thread (stack/events.hpp): a SessionServer listens on one
// port, accepts every connection and, whenever a connection changes, reads
// what is readable into the Session while it wants_input(), writes what the
// Session produces while the send buffer has room, and closes once the
// Session is finished() and all of it is queued. Nothing waits, nothing is
// queued beyond the connection's own buffers, and no thread is started:
// a connection costs its Session and a small record here. The bytes are
// read and written in place in TCP's buffers (stack::Loop's recv_view and
// send_room): no scratch buffer between the connection and the Session.
//
//   app::SessionServer echo("", [] { return std::make_unique<app::EchoSession>(); });
//   st.run_on_loop([&](stack::Loop& l) { r = echo.listen(l, 0, 7, 128); });
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/session.hpp"
#include "stack/events.hpp"

namespace app {

using SessionFactory = std::function<std::unique_ptr<Session>()>;

// The loop thread calls it: it must outlive the stack's loop (destroy it
// after Stack::shutdown()).
class SessionServer final : public stack::Events {
public:
    // `name` prefixes the per-connection log lines ("discard: connection
    // from A:P"); "" for none.
    SessionServer(std::string name, SessionFactory make);
    ~SessionServer() override;
    SessionServer(const SessionServer&) = delete;
    SessionServer& operator=(const SessionServer&) = delete;

    // Loop thread: starts listening (addr 0: every local address).
    base::Result<stack::SocketId> listen(stack::Loop& loop, std::uint32_t addr,
                                         std::uint16_t port, int backlog);
    // The listener's event: accepts every connection waiting.
    void on_event(stack::Loop& loop, stack::SocketId listener) override;
    std::size_t connections() const { return conns_.size(); }  // loop thread

private:
    struct Conn;
    void drive(stack::Loop& loop, Conn& c);
    // Moves bytes once each way; true if anything moved or changed.
    bool step(stack::Loop& loop, Conn& c, stack::TcpStatus st);
    void end(stack::Loop& loop, Conn& c, base::Err why);

    std::string name_;
    SessionFactory make_;
    std::unordered_map<stack::SocketId, std::unique_ptr<Conn>> conns_;
};

}  // namespace app
