// A pcap file writer (the classic libpcap format, microsecond timestamps),
// so every link mode can record what it sent and received for Wireshark,
// tshark or tcpdump -r (every bug report starts with a pcap).
//
// File header (24 bytes), then per packet a 16-byte record header and the
// bytes. All fields are written little-endian; readers tell the byte order
// from the magic number.
//
//   magic a1b2c3d4 | version 2.4 | thiszone 0 | sigfigs 0 | snaplen | linktype
//   ts_sec | ts_usec | captured length | original length | packet bytes...
//
// Each record is flushed as it is written, so a reader can follow the file
// while the program runs. write() is safe to call from several threads.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "base/bytes.hpp"

namespace l2 {

// Link types from the tcpdump.org LINKTYPE_ registry.
enum class PcapLinkType : std::uint32_t {
    Ethernet = 1,  // LINKTYPE_ETHERNET: frames from packet/tap devices
    Ipv4 = 228,    // LINKTYPE_IPV4: raw IPv4 packets from the raw device
};

class PcapWriter {
public:
    static constexpr std::uint32_t kDefaultSnaplen = 65535;

    PcapWriter() = default;
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // Creates (or truncates) `path` and writes the file header. Returns false,
    // with the reason in error(), if the file cannot be opened or written.
    bool open(const std::string& path, PcapLinkType type,
              std::uint32_t snaplen = kDefaultSnaplen);
    bool is_open() const;

    // Appends one packet, cut to snaplen (the record keeps its original
    // length), and flushes. Returns false if the file is not open or the
    // write failed; never throws.
    bool write(base::Bytes packet,
               std::chrono::system_clock::time_point when = std::chrono::system_clock::now());

    void close();
    // Why the last open() or write() failed; empty if none has.
    std::string error() const;

private:
    bool fail(const char* what);  // records errno's reason; caller holds mu_

    mutable std::mutex mu_;
    std::FILE* file_ = nullptr;
    std::string path_;
    std::uint32_t snaplen_ = kDefaultSnaplen;
    std::string error_;
};

}  // namespace l2
