#include "base/addr.hpp"

namespace base {

std::string addr_to_string(std::uint32_t addr) {
    std::string s;
    for (int shift = 24; shift >= 0; shift -= 8) {
        s += std::to_string((addr >> shift) & 0xff);
        if (shift) s += '.';
    }
    return s;
}

std::optional<std::uint32_t> parse_addr(std::string_view text) {
    std::uint32_t addr = 0;
    std::size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (i >= text.size() || text[i] != '.') return std::nullopt;
            ++i;
        }
        const std::size_t start = i;
        unsigned value = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3)
            value = value * 10 + static_cast<unsigned>(text[i++] - '0');
        const std::size_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
        addr = (addr << 8) | value;
    }
    if (i != text.size()) return std::nullopt;
    return addr;
}

std::string endpoint_to_string(std::uint32_t addr, std::uint16_t port) {
    return addr_to_string(addr) + ":" + std::to_string(port);
}

}  // namespace base
