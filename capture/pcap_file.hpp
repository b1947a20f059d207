// Reading capture files through libpcap: the classic pcap format in either
// byte order, with micro- or nanosecond timestamps, and pcapng (what
// Wireshark writes), so ./dump -r reads our own --pcap files, tcpdump's and
// Wireshark's alike. Each record comes to the caller with its time and the
// file's link type (the LINKTYPE_ number of the tcpdump.org registry).
//
//   capture::read_pcap("/tmp/c.pcap", [](const capture::Record& r) {
//       ... r.at, r.bytes, r.linktype ...
//       return true;  // false stops the reading
//   });
//
// libpcap stays inside capture/: only the programs that read files or
// compile filters (./dump, the tests) link it, never libstack.a.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "base/bytes.hpp"
#include "base/time.hpp"

namespace capture {

// LINKTYPE_ values ./dump decodes.
namespace linktype {
inline constexpr std::uint32_t kEthernet = 1;    // LINKTYPE_ETHERNET
inline constexpr std::uint32_t kRaw = 101;       // LINKTYPE_RAW: bare IPv4 or IPv6
inline constexpr std::uint32_t kLinuxSll = 113;  // LINKTYPE_LINUX_SLL: tcpdump -i any
inline constexpr std::uint32_t kIpv4 = 228;      // LINKTYPE_IPV4: our raw-mode --pcap
inline constexpr std::uint32_t kLinuxSll2 = 276; // LINKTYPE_LINUX_SLL2: tcpdump -i any, newer
}  // namespace linktype

struct Record {
    base::Time at{0};          // since the Unix epoch, microseconds
    base::Bytes bytes;         // what was captured (may be cut to the snaplen)
    std::uint32_t wire_len = 0;  // the packet's length on the wire
    std::uint32_t linktype = 0;
};

// Called once per record, in file order; returns false to stop.
using RecordFn = std::function<bool(const Record&)>;

// Reads every record of `path`. Returns "" at the end of the file (or when
// `fn` stopped it), else why the file could not be read ("no such file",
// "unknown file format", a truncated record).
std::string read_pcap(const std::string& path, const RecordFn& fn);

// The DLT_ value libpcap's pcap_open_dead() and pcap_compile() take for a
// LINKTYPE_ value (they differ only for a few, LINKTYPE_RAW among them).
int dlt_of(std::uint32_t linktype);

}  // namespace capture
