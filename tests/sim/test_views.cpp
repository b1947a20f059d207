// The zero-copy application side of tcp::Connection (recv_view/consume,
// send_room/commit): the same rules as recv() and send(), with the bytes
// read and written in place in the connection's rings.
#include <cstring>

#include "tests/sim/harness.hpp"

using namespace sim;
using namespace tcp;

namespace {

std::string text(base::SplitBytes v) {
    std::string s(v.first.begin(), v.first.end());
    s.append(v.second.begin(), v.second.end());
    return s;
}

}  // namespace

TEST_CASE("RFC 9293 3.8.6.2.2: consume() after recv_view() reopens the window as recv() does") {
    Config cfg;
    cfg.recv_buffer = 4000;
    cfg.window_scale = false;
    Scripted s = established(cfg);
    const std::string d(1460, 'a');
    s.deliver({.seq = 5001, .ack = 1001, .data = d});
    s.deliver({.seq = 6461, .ack = 1001, .data = d});
    s.deliver({.seq = 7921, .ack = 1001, .data = std::string(1080, 'b')});
    s.advance(40ms);
    auto w = s.take();
    REQUIRE(!w.empty());
    CHECK(w.back().h.window == 0);  // the buffer is full
    const base::SplitBytes v = s.conn->recv_view();
    REQUIRE(v.size() == 4000);
    CHECK(text(v) == d + d + std::string(1080, 'b'));
    CHECK(s.take().empty());  // looking frees nothing: no update
    CHECK(s.conn->consume(100, s.now) == 100);  // less than an MSS: no update (SWS avoidance)
    CHECK(s.take().empty());
    CHECK(s.conn->readable() == 3900);
    CHECK(s.conn->consume(10000, s.now) == 3900);  // no more than is readable
    w = s.take();
    REQUIRE(w.size() == 1);  // a window update
    CHECK(w[0].h.window == 4000);
    CHECK(s.conn->recv_view().empty());
    CHECK(s.conn->consume(1, s.now) == 0);
}

TEST_CASE("ring views: the receive view comes in two spans where the ring wraps") {
    Config cfg;
    cfg.recv_buffer = 4000;
    cfg.window_scale = false;
    Scripted s = established(cfg);
    s.deliver({.seq = 5001, .ack = 1001, .data = std::string(3000, 'x')});
    CHECK(s.conn->consume(3000, s.now) == 3000);
    const std::string tail = std::string(700, 'y') + std::string(600, 'z');
    s.deliver({.seq = 8001, .ack = 1001, .data = tail});
    const base::SplitBytes v = s.conn->recv_view();
    CHECK(v.first.size() == 1000);  // to the ring's end (4000 bytes of memory)
    CHECK(v.second.size() == 300);  // from its start
    CHECK(text(v) == tail);
    std::uint8_t buf[2000];
    CHECK(s.conn->recv(buf, s.now) == 1300);  // recv() reads the same bytes across the wrap
    CHECK(std::string(buf, buf + 1300) == tail);
}

TEST_CASE("RFC 9293 3.10.2: commit() sends what was written into send_room(); room alone sends nothing") {
    Scripted s = established();
    base::SplitMutBytes room = s.conn->send_room(2920);
    REQUIRE(room.size() == 2920);
    std::string data(2920, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
    std::memcpy(room.first.data(), data.data(), room.first.size());
    std::memcpy(room.second.data(), data.data() + room.first.size(), room.second.size());
    CHECK(s.take().empty());  // nothing is queued until commit()
    CHECK(s.conn->writable() == Config{}.send_buffer);
    CHECK(s.conn->commit(2920, s.now) == 2920);
    auto w = s.take();
    REQUIRE(w.size() == 2);  // two full segments at once: the window and cwnd allow them
    std::string sent;
    for (auto& seg : w) sent.append(seg.payload.begin(), seg.payload.end());
    CHECK(sent == data);
    CHECK(s.conn->writable() == Config{}.send_buffer - 2920);
}

TEST_CASE("RFC 9293 3.10.4: no room and no commit once our FIN is queued") {
    Scripted s = established();
    s.conn->shutdown_send(s.now);
    CHECK(s.conn->send_room(100).empty());
    CHECK(s.conn->commit(100, s.now) == 0);
}
