// The pcap writer: classic libpcap layout, records readable while the
// writer is still open, and a clear error when the file cannot be opened.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

#include "link/pcap.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace wire_test;

namespace {
std::string temp_path(const char* name) {
    return "/tmp/stack-test-" + std::to_string(::getpid()) + "-" + name + ".pcap";
}

Buf read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Buf(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::uint32_t le32(const Buf& b, std::size_t at) {
    return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | std::uint32_t{b[at + 3]} << 24;
}
}  // namespace

TEST_CASE("pcap: file header and one Ethernet record, readable before close") {
    const std::string path = temp_path("eth");
    l2::PcapWriter w;
    REQUIRE(w.open(path, l2::PcapLinkType::Ethernet));
    CHECK(w.is_open());
    const auto when = std::chrono::system_clock::time_point(std::chrono::microseconds(1'700'000'000'123'456));
    REQUIRE(w.write(view(captured::kArpRequest), when));

    const Buf f = read_file(path);  // the writer is still open: records are flushed
    REQUIRE(f.size() == 24 + 16 + 42);
    CHECK(le32(f, 0) == 0xa1b2c3d4);             // magic: microsecond timestamps
    CHECK((f[4] | f[5] << 8) == 2);              // version 2.4
    CHECK((f[6] | f[7] << 8) == 4);
    CHECK(le32(f, 8) == 0);                      // thiszone
    CHECK(le32(f, 12) == 0);                     // sigfigs
    CHECK(le32(f, 16) == 65535);                 // snaplen
    CHECK(le32(f, 20) == 1);                     // LINKTYPE_ETHERNET
    CHECK(le32(f, 24) == 1'700'000'000);         // ts_sec
    CHECK(le32(f, 28) == 123'456);               // ts_usec
    CHECK(le32(f, 32) == 42);                    // captured length
    CHECK(le32(f, 36) == 42);                    // original length
    CHECK(Buf(f.begin() + 40, f.end()) == copy(captured::kArpRequest));
    w.close();
    CHECK_FALSE(w.is_open());
    CHECK_FALSE(w.write(view(captured::kArpRequest)));  // closed: refused, no crash
    ::unlink(path.c_str());
}

TEST_CASE("pcap: raw IPv4 link type, and packets cut to the snap length") {
    const std::string path = temp_path("ipv4");
    l2::PcapWriter w;
    REQUIRE(w.open(path, l2::PcapLinkType::Ipv4, 64));
    REQUIRE(w.write(view(captured::kEchoRequest, kEth)));  // 84 bytes
    REQUIRE(w.write(view(captured::kUdpDatagram, kEth)));  // 39 bytes
    const Buf f = read_file(path);
    CHECK(le32(f, 16) == 64);
    CHECK(le32(f, 20) == 228);  // LINKTYPE_IPV4
    CHECK(le32(f, 32) == 64);   // captured
    CHECK(le32(f, 36) == 84);   // original
    const std::size_t second = 24 + 16 + 64;
    CHECK(le32(f, second + 8) == 39);
    CHECK(le32(f, second + 12) == 39);
    CHECK(f.size() == second + 16 + 39);
    ::unlink(path.c_str());
}

TEST_CASE("pcap: a file that cannot be opened is an error value with the reason") {
    l2::PcapWriter w;
    CHECK_FALSE(w.open("/nonexistent-dir/x.pcap", l2::PcapLinkType::Ethernet));
    CHECK_FALSE(w.is_open());
    const std::string e = w.error();
    CHECK(e.find("/nonexistent-dir/x.pcap") != std::string::npos);
    CHECK(e.find("No such file or directory") != std::string::npos);
    CHECK_FALSE(w.write(view(captured::kArpRequest)));
}
