// The echo server the stack API tests run on their own thread: accept one
// connection on `l`, send back every byte until the peer's FIN, then close.
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "stack/stack.hpp"

namespace testdev {

inline void echo_once(stack::Listener& l) {
    auto s = l.accept();
    REQUIRE(s);
    std::vector<std::uint8_t> buf(8192);
    for (;;) {
        auto r = s.value.recv(buf);
        if (!r || r.value == 0) break;
        if (s.value.send({buf.data(), r.value}) != stack::Err::None) break;
    }
    s.value.close();
}

}  // namespace testdev
