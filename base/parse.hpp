// The error value every wire-format parser returns instead of throwing.
// A packet that fails to parse is counted, logged at debug and dropped by the
// caller; nothing past the parser ever sees it (docs/design.md, rule 1).
#pragma once
#include <cstdint>
#include <string_view>

namespace base {

enum class ParseError : std::uint8_t {
    None = 0,
    Truncated,         // buffer shorter than the fixed header
    BadVersion,        // IPv4 version != 4
    BadHeaderLength,   // IHL < 5, or header runs past the buffer
    BadTotalLength,    // IPv4 total length > buffer or < header
    BadDataOffset,     // TCP data offset < 5 or past the segment
    BadOption,         // option length 0/1 or running past the header
    BadChecksum,       // RFC 1071 sum does not verify
    BadLength,         // a length field that contradicts the buffer (UDP, ARP)
    Unsupported,       // well-formed but not something we speak (ARP hw type...)
    Count
};

constexpr std::string_view to_string(ParseError e) {
    switch (e) {
        case ParseError::None: return "ok";
        case ParseError::Truncated: return "truncated";
        case ParseError::BadVersion: return "bad version";
        case ParseError::BadHeaderLength: return "bad header length";
        case ParseError::BadTotalLength: return "bad total length";
        case ParseError::BadDataOffset: return "bad data offset";
        case ParseError::BadOption: return "bad option";
        case ParseError::BadChecksum: return "bad checksum";
        case ParseError::BadLength: return "bad length";
        case ParseError::Unsupported: return "unsupported";
        case ParseError::Count: break;
    }
    return "?";
}

// A parsed value or the reason there is none. Cheap to copy; no exceptions.
template <class T>
struct Parsed {
    T value{};
    ParseError error = ParseError::None;

    static Parsed fail(ParseError e) { return Parsed{T{}, e}; }
    bool ok() const { return error == ParseError::None; }
    explicit operator bool() const { return ok(); }
    const T* operator->() const { return &value; }
    const T& operator*() const { return value; }
};

}  // namespace base
