// A capture filter in tcpdump's language (pcap-filter(7): `tcp port 80`,
// `not arp`, `tcp[tcpflags] & tcp-syn != 0`), compiled by libpcap for one
// link type and run on each captured packet in user space. The language is
// libpcap's own, so an expression means in ./dump what it means in tcpdump.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "base/bytes.hpp"

namespace capture {

class Filter {
public:
    // Matches everything.
    Filter();
    ~Filter();
    Filter(Filter&&) noexcept;
    Filter& operator=(Filter&&) noexcept;

    // Compiles `expr` for packets of `linktype` (a LINKTYPE_ value). On a
    // bad expression returns false with libpcap's reason in `error`. An
    // empty expression matches everything.
    bool compile(const std::string& expr, std::uint32_t linktype, std::string& error);

    // Whether the packet passes; `wire_len` is its length before any cut.
    bool matches(base::Bytes packet, std::uint32_t wire_len) const;

private:
    struct Program;
    std::unique_ptr<Program> prog_;
};

}  // namespace capture
