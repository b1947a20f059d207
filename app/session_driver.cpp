// The generic driver of app/session_driver.hpp.
#include "app/session_driver.hpp"

#include <algorithm>

#include "base/addr.hpp"
#include "base/log.hpp"

namespace app {

using stack::Err;
using stack::SocketId;
using tcp::State;

struct SessionServer::Conn final : stack::Events {
    Conn(SessionServer& s, SocketId i, const tcp::Tuple& t, std::unique_ptr<Session> sess)
        : owner(s), id(i), tuple(t), session(std::move(sess)) {}
    void on_event(stack::Loop& loop, SocketId) override { owner.drive(loop, *this); }

    SessionServer& owner;
    SocketId id;
    tcp::Tuple tuple;
    std::unique_ptr<Session> session;
    bool eof_fed = false;  // peer_closed() has been called
    bool closing = false;  // our FIN is queued; waiting for both to be acknowledged
};

SessionServer::SessionServer(std::string name, SessionFactory make)
    : name_(std::move(name)), make_(std::move(make)) {}

SessionServer::~SessionServer() = default;

base::Result<SocketId> SessionServer::listen(stack::Loop& loop, std::uint32_t addr,
                                             std::uint16_t port, int backlog) {
    return loop.listen(addr, port, backlog, this);
}

void SessionServer::on_event(stack::Loop& loop, SocketId listener) {
    for (;;) {
        auto a = loop.accept(listener, nullptr);
        if (!a || a.value.id == 0) return;
        auto c = std::make_unique<Conn>(*this, a.value.id, a.value.tuple, make_());
        Conn& ref = *c;
        conns_.emplace(a.value.id, std::move(c));
        loop.watch(a.value.id, &ref);
        // Per connection: debug, so that a busy server does not pay for it.
        LOG(app, debug) << name_ << (name_.empty() ? "" : ": ") << "connection from "
                        << base::endpoint_to_string(ref.tuple.remote_ip, ref.tuple.remote_port);
        drive(loop, ref);  // data may be there already; daytime speaks first
    }
}

void SessionServer::drive(stack::Loop& loop, Conn& c) {
    for (;;) {
        auto st = loop.status(c.id);
        if (!st) return end(loop, c, Err::Closed);
        if (c.closing) {
            // Done once both FINs are acknowledged (or the connection failed).
            if (st->state == State::TimeWait || st->state == State::Closed)
                end(loop, c, st->error == Err::Closed ? Err::None : st->error);
            return;
        }
        if (st->state == State::Closed) return end(loop, c, st->error);
        if (!step(loop, c, *st)) return;
    }
}

namespace {

// What a Session may read and write in one step: at most this much (so a
// session that feeds, such as HTTP, takes a bounded bite of the receive
// buffer and the rest stays in the window).
constexpr std::size_t kChunk = 64 * 1024;

base::SplitBytes first_bytes(base::SplitBytes in, std::size_t n) {
    if (n <= in.first.size()) return {in.first.first(n), {}};
    return {in.first, in.second.first(std::min(n - in.first.size(), in.second.size()))};
}

// One connection's send buffer, in place, for Session::take().
class SendRoom final : public Output {
public:
    SendRoom(stack::Loop& l, SocketId id) : loop_(l), id_(id) {}
    base::SplitMutBytes room(std::size_t max) override { return loop_.send_room(id_, max); }
    std::size_t commit(std::size_t n) override {
        const std::size_t q = loop_.commit(id_, n);
        committed += q;
        return q;
    }
    std::size_t committed = 0;

private:
    stack::Loop& loop_;
    SocketId id_;
};

}  // namespace

bool SessionServer::step(stack::Loop& loop, Conn& c, stack::TcpStatus st) {
    Session& s = *c.session;
    bool moved = false;
    // Output first: it makes room in the session, so it wants input again.
    // produce() writes straight into the send buffer, which grows only for
    // a session that has something to say (has_output()).
    while (st.writable > 0 && s.has_output()) {
        const base::SplitMutBytes room = loop.send_room(c.id, std::min(st.writable, kChunk));
        std::size_t n = s.produce(room.first);
        if (n == room.first.size() && !room.second.empty()) n += s.produce(room.second);
        if (n == 0) break;
        const std::size_t sent = loop.commit(c.id, n);
        st.writable -= std::min(st.writable, n);
        moved = true;
        if (sent < n) return true;  // cannot happen: the room was the send buffer's
    }
    const bool drained = st.writable > 0;  // produce() had nothing more to give
    if (s.wants_input() && st.readable > 0) {
        // The received bytes in place: the session reads them there (and
        // echo copies them once, into the send buffer); what it took is freed.
        const base::SplitBytes in = first_bytes(loop.recv_view(c.id), kChunk);
        SendRoom out(loop, c.id);
        const std::size_t n = in.empty() ? 0 : s.take(in, out);
        if (n > 0) loop.consume(c.id, n);
        moved = moved || n > 0 || out.committed > 0;
    }
    if (!c.eof_fed && st.eof) {
        c.eof_fed = true;
        s.peer_closed();
        return true;
    }
    if (drained && !moved && s.finished()) {
        c.closing = true;
        loop.close(c.id);
        return true;
    }
    return moved;
}

void SessionServer::end(stack::Loop& loop, Conn& c, Err why) {
    if (LOG_ENABLED(app, debug)) {
        const std::string peer = base::endpoint_to_string(c.tuple.remote_ip, c.tuple.remote_port);
        if (why == Err::None || why == Err::Closed || why == Err::Shutdown) {
            LOG(app, debug) << "closed " << peer;
        } else {
            LOG(app, debug) << "closed " << peer << " (" << stack::to_string(why) << ")";
        }
    }
    loop.release(c.id);
    conns_.erase(c.id);  // destroys c: nothing of it is touched after this
}

}  // namespace app
