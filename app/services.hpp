// The classic services as app::Session objects (app/session.hpp), driven by
// app::SessionServer: echo (RFC 862), discard (RFC 863), daytime (RFC 867).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "app/session.hpp"

namespace app {

// RFC 862: "any data received is sent back"; closes after the peer does.
// Driven through take(), it holds nothing: each byte is copied once, from
// the receive buffer into the send buffer, and what does not fit there
// waits in the receive buffer (the peer's window closes: back-pressure).
// feed() and produce() serve a driver without take(), through a buffer.
class EchoSession final : public Session {
public:
    std::size_t take(base::SplitBytes in, Output& out) override;
    void feed(base::Bytes in) override;
    void peer_closed() override { peer_closed_ = true; }
    std::size_t produce(base::MutBytes out) override;
    bool has_output() const override { return pending() > 0; }
    bool finished() const override { return peer_closed_ && pending() == 0; }
    // Reading stops while this much waits to go back (the peer is not reading).
    bool wants_input() const override { return pending() < kMaxPending; }

    static constexpr std::size_t kMaxPending = 64 * 1024;

private:
    std::size_t pending() const { return buf_.size() - off_; }
    std::vector<std::uint8_t> buf_;  // [off_, size) still to send
    std::size_t off_ = 0;
    bool peer_closed_ = false;
};

// RFC 863: "simply throw away any data it receives".
class DiscardSession final : public Session {
public:
    void feed(base::Bytes) override {}
    void peer_closed() override { peer_closed_ = true; }
    // RFC 863: the bytes are freed where they lie, never copied.
    std::size_t take(base::SplitBytes in, Output&) override { return in.size(); }
    std::size_t produce(base::MutBytes) override { return 0; }
    bool has_output() const override { return false; }
    bool finished() const override { return peer_closed_; }

private:
    bool peer_closed_ = false;
};

// RFC 867: "send the current date and time as an ASCII character string"
// and close; the server closes first, so it walks FIN-WAIT and TIME-WAIT.
class DaytimeSession final : public Session {
public:
    DaytimeSession();  // reads the clock: the time of the connection
    void feed(base::Bytes) override {}  // "Any received data is ignored"
    std::size_t produce(base::MutBytes out) override;
    bool has_output() const override { return sent_ < line_.size(); }
    bool finished() const override { return sent_ == line_.size(); }

private:
    std::string line_;
    std::size_t sent_ = 0;
};

}  // namespace app
