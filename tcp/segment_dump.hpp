// TCP headers as text for the logs: a field-by-field dump, one line per
// field in the order of the RFC 9293 3.1 diagram, options as tcpdump names
// them; and a one-line summary per segment for trace-level logs ("in
// 127.0.0.1:40000 > 127.0.0.1:8080 [SYN] seq=... win=... len=0"; --trace has
// its own format, in trace/).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "tcp/segment.hpp"

namespace tcp {

std::string dump(const Header& h);

std::string describe(const char* dir, std::uint32_t src, std::uint32_t dst, const Header& h,
                     std::size_t payload_len);

}  // namespace tcp
