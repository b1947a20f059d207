// capture/: pcap files read back through libpcap as our writer wrote them,
// capture filters compiled by libpcap for each link type, and trace::Sides
// putting the first sender of a connection on the left.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

#include "capture/filter.hpp"
#include "capture/pcap_file.hpp"
#include "link/pcap.hpp"
#include "tests/unit/captured.hpp"
#include "trace/sides.hpp"

namespace {

std::string temp_path(const char* name) {
    return "/tmp/stack-test-" + std::to_string(::getpid()) + "-" + name + ".pcap";
}

template <std::size_t N>
base::Bytes bytes(const std::uint8_t (&a)[N]) {
    return base::Bytes(a, N);
}

struct Got {
    base::Time at;
    std::vector<std::uint8_t> bytes;
    std::uint32_t wire_len, linktype;
};

std::vector<Got> read_all(const std::string& path, std::string& err) {
    std::vector<Got> got;
    err = capture::read_pcap(path, [&](const capture::Record& r) {
        got.push_back({r.at, {r.bytes.begin(), r.bytes.end()}, r.wire_len, r.linktype});
        return true;
    });
    return got;
}

}  // namespace

TEST_CASE("capture: read_pcap gives back what PcapWriter wrote: bytes, times, link type, cut records") {
    using namespace std::chrono;
    const auto path = temp_path("capture-read");
    l2::PcapWriter w;
    REQUIRE(w.open(path, l2::PcapLinkType::Ethernet, /*snaplen=*/60));
    const system_clock::time_point t0(seconds(1'700'000'000) + microseconds(123456));
    REQUIRE(w.write(bytes(captured::kTcpSyn), t0));
    REQUIRE(w.write(bytes(captured::kTcpSynAck), t0 + microseconds(2144)));
    w.close();
    std::string err;
    const auto got = read_all(path, err);
    std::remove(path.c_str());
    CHECK(err.empty());
    REQUIRE(got.size() == 2);
    CHECK(got[0].at == base::Time{1'700'000'000'123'456});
    CHECK(got[1].at - got[0].at == base::Time{2144});
    CHECK(got[0].linktype == capture::linktype::kEthernet);
    CHECK(got[0].wire_len == sizeof captured::kTcpSyn);
    CHECK(got[0].bytes.size() == 60);  // cut to the snaplen
    CHECK(std::equal(got[0].bytes.begin(), got[0].bytes.end(), captured::kTcpSyn));
}

TEST_CASE("capture: read_pcap says why a file cannot be read, and stops when asked") {
    std::string err;
    read_all("/nonexistent/x.pcap", err);
    CHECK(err.find("No such file") != std::string::npos);
    const auto path = temp_path("capture-garbage");
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fputs("this is not a capture file at all", f);
        std::fclose(f);
    }
    read_all(path, err);
    CHECK(!err.empty());
    std::remove(path.c_str());

    l2::PcapWriter w;
    REQUIRE(w.open(path, l2::PcapLinkType::Ipv4));
    for (int i = 0; i < 3; ++i) REQUIRE(w.write(bytes(captured::kTcpSyn).subspan(14)));
    w.close();
    int n = 0;
    err = capture::read_pcap(path, [&](const capture::Record& r) {
        CHECK(r.linktype == capture::linktype::kIpv4);
        return ++n < 2;
    });
    std::remove(path.c_str());
    CHECK(err.empty());
    CHECK(n == 2);
}

TEST_CASE("capture: filters in tcpdump's language, for Ethernet and bare IPv4") {
    capture::Filter all;
    CHECK(all.matches(bytes(captured::kArpRequest), sizeof captured::kArpRequest));
    std::string err;
    capture::Filter f;
    REQUIRE(f.compile("tcp port 5000", capture::linktype::kEthernet, err));
    CHECK(f.matches(bytes(captured::kTcpSyn), sizeof captured::kTcpSyn));
    CHECK_FALSE(f.matches(bytes(captured::kUdpDatagram), sizeof captured::kUdpDatagram));
    CHECK_FALSE(f.matches(bytes(captured::kArpRequest), sizeof captured::kArpRequest));
    REQUIRE(f.compile("tcp[tcpflags] & tcp-syn == 0", capture::linktype::kEthernet, err));
    CHECK_FALSE(f.matches(bytes(captured::kTcpSyn), sizeof captured::kTcpSyn));
    CHECK_FALSE(f.matches(bytes(captured::kTcpSynAck), sizeof captured::kTcpSynAck));
    CHECK(f.matches(bytes(captured::kTcpData), sizeof captured::kTcpData));
    // The same expression on a bare IPv4 packet (raw mode's --pcap).
    for (auto lt : {capture::linktype::kIpv4, capture::linktype::kRaw}) {
        CAPTURE(lt);
        REQUIRE(f.compile("src host 192.0.2.1 and tcp", lt, err));
        CHECK(f.matches(bytes(captured::kTcpSyn).subspan(14), sizeof captured::kTcpSyn - 14));
        CHECK_FALSE(f.matches(bytes(captured::kTcpSynAck).subspan(14), sizeof captured::kTcpSynAck - 14));
    }
    CHECK_FALSE(f.compile("tcp prot 80", capture::linktype::kEthernet, err));
    CHECK(err.find("syntax error") != std::string::npos);
    REQUIRE(f.compile("", capture::linktype::kEthernet, err));  // empty: everything
    CHECK(f.matches(bytes(captured::kArpRequest), sizeof captured::kArpRequest));
}

TEST_CASE("trace::Sides: the first sender of a connection is the local side, whatever comes next") {
    trace::Sides s;
    CHECK(s.dir_of(bytes(captured::kTcpSyn), true) == trace::Dir::Out);
    CHECK(s.dir_of(bytes(captured::kTcpSynAck), true) == trace::Dir::In);
    CHECK(s.dir_of(bytes(captured::kTcpData), true) == trace::Dir::Out);
    CHECK(s.dir_of(bytes(captured::kArpRequest), true) == trace::Dir::Out);
    // Seen first from the other end: that end is local.
    trace::Sides t;
    CHECK(t.dir_of(bytes(captured::kTcpSynAck).subspan(14), false) == trace::Dir::Out);
    CHECK(t.dir_of(bytes(captured::kTcpSyn).subspan(14), false) == trace::Dir::In);
}
