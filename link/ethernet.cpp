#include "link/ethernet.hpp"

#include <algorithm>
#include <cstring>

namespace l2 {

namespace {
// IEEE 802.3 3.2.6: values >= 0x0600 are an EtherType; smaller ones are the
// length of an LLC frame.
constexpr std::uint16_t kMinEthertype = 0x0600;

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::string MacAddr::to_string() const {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i) s += ':';
        s += hex[bytes[i] >> 4];
        s += hex[bytes[i] & 0x0f];
    }
    return s;
}

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
    // "xx:xx:xx:xx:xx:xx" is 6 * 2 digits + 5 colons.
    if (text.size() != 17) return std::nullopt;
    MacAddr m;
    for (std::size_t i = 0; i < 6; ++i) {
        const std::size_t at = i * 3;
        if (i > 0 && text[at - 1] != ':') return std::nullopt;
        const int hi = hex_digit(text[at]);
        const int lo = hex_digit(text[at + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        m.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return m;
}

bool MacAddr::is_broadcast() const { return *this == kBroadcastMac; }

base::Parsed<EthernetView> parse_ethernet(base::Bytes frame) {
    using P = base::Parsed<EthernetView>;
    if (frame.size() < kEthHeaderLen) return P::fail(base::ParseError::Truncated);
    EthernetView v;
    std::copy_n(frame.begin(), 6, v.header.dst.bytes.begin());
    std::copy_n(frame.begin() + 6, 6, v.header.src.bytes.begin());
    v.header.type = base::get_u16(frame.data() + 12);
    if (v.header.type < kMinEthertype) return P::fail(base::ParseError::Unsupported);
    v.payload = frame.subspan(kEthHeaderLen);
    return P{v, base::ParseError::None};
}

std::size_t build_ethernet_header(base::MutBytes out, const EthernetHeader& h) {
    if (out.size() < kEthHeaderLen) return 0;
    std::memcpy(out.data(), h.dst.bytes.data(), 6);
    std::memcpy(out.data() + 6, h.src.bytes.data(), 6);
    base::put_u16(out.data() + 12, h.type);
    return kEthHeaderLen;
}

std::string_view ethertype_name(std::uint16_t type) {
    switch (type) {
        case ethertype::IPv4: return "IPv4";
        case ethertype::ARP: return "ARP";
        default: return "unknown";
    }
}

}  // namespace l2
