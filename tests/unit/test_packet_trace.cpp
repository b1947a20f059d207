// Frames the kernel sent (tests/unit/captured.hpp) decoded by the stack's own
// parsers into --trace lines, as ./dump prints them; and the frames that do
// not decode, each with the reason.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "trace/packet_trace.hpp"
#include "tests/unit/captured.hpp"
#include "tests/unit/wire_util.hpp"

using namespace trace;
using namespace wire_test;

namespace {

struct Dump {
    std::ostringstream text;
    Tracer tracer{text};

    // Traces one frame; returns what it printed.
    std::string frame(base::Bytes bytes, Dir dir, bool verbose = false, bool not_ready = false) {
        text.str("");
        trace_frame(tracer, {.dir = dir, .at = tcp::Time{0}, .bytes = bytes,
                             .checksum_not_ready = not_ready},
                    verbose);
        return text.str();
    }
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("packet trace: ARP request and reply (RFC 826), by MAC address") {
    Dump d;
    CHECK(d.frame(view(captured::kArpRequest), Dir::Out) ==
          "   0.000000  02:00:00:00:00:0a     --> ff:ff:ff:ff:ff:ff     "
          "ARP Request who-has 192.0.2.2? tell 192.0.2.1\n");
    CHECK(d.frame(view(captured::kArpReply), Dir::In) ==
          "   0.000000  02:00:00:00:00:0a     <-- 02:00:00:00:00:0b     "
          "ARP Reply 192.0.2.2 is-at 02:00:00:00:00:0b\n");
}

TEST_CASE("packet trace: a frame the fault injector dropped is marked, whatever it carries") {
    for (auto frame : {view(captured::kArpRequest), view(captured::kEchoRequest), view(captured::kTcpSyn)}) {
        std::ostringstream text;
        Tracer tracer{text};
        trace_frame(tracer, {.dir = Dir::Out, .bytes = frame, .lost = true}, false);
        CHECK(has(text.str(), "  LOST (fault injector)\n"));
    }
}

TEST_CASE("packet trace: ping, both ways") {
    Dump d;
    CHECK(d.frame(view(captured::kEchoRequest), Dir::Out) ==
          "   0.000000  192.0.2.1             --> 192.0.2.2             ICMP Echo id=4459 seq=1 len=56\n");
    CHECK(d.frame(view(captured::kEchoReply), Dir::In) ==
          "   0.000000  192.0.2.1             <-- 192.0.2.2             ICMP EchoReply id=4459 seq=1 len=56\n");
}

TEST_CASE("packet trace: the kernel's TCP handshake and data, relative numbers and options") {
    Dump d;
    const std::string syn = d.frame(view(captured::kTcpSyn), Dir::Out);
    CHECK(has(syn, "192.0.2.1:48188       --> 192.0.2.2:5000        [SYN] Seq=0 (ISN 3858687651) Win=64240 Len=0 MSS=1460 SACK_PERM TSval=3674946778 TSecr=0 WS=1024\n"));
    const std::string synack = d.frame(view(captured::kTcpSynAck), Dir::In);
    CHECK(has(synack, "<-- 192.0.2.2:5000        [SYN,ACK] Seq=0 (ISN 2110595452) Ack=1 Win=65160 Len=0"));
    // tcpdump: "seq 1:12, ack 1, win 63"; the window scaled by the SYN's 2^10.
    const std::string data = d.frame(view(captured::kTcpData), Dir::Out);
    CHECK(has(data, "[PSH,ACK] Seq=1 Ack=1 Win=64512 (63x1024) Len=11 TSval=3674946780"));
}

TEST_CASE("packet trace: UDP, and an ICMP error names the datagram it is about") {
    Dump d;
    CHECK(has(d.frame(view(captured::kUdpDatagram), Dir::Out),
              "192.0.2.1:54706       --> 192.0.2.2:5001        UDP len=11\n"));
    CHECK(has(d.frame(view(captured::kPortUnreachable), Dir::In),
              "192.0.2.1             <-- 192.0.2.2             ICMP DestinationUnreachable "
              "(PortUnreachable) for UDP 192.0.2.1:58451 > 192.0.2.2:5999\n"));
}

TEST_CASE("packet trace: a frame that does not decode says why") {
    Dump d;
    std::vector<std::uint8_t> tiny(10, 0);
    CHECK(has(d.frame(tiny, Dir::In), "frame of 10 bytes not decoded: truncated\n"));
    // Only the headers of a 1514-byte fragment were kept: the IPv4 total
    // length promises more than the buffer holds.
    CHECK(has(d.frame(view(captured::kFragmentHeader), Dir::Out),
              "IPv4 packet of 20 bytes not decoded: bad total length\n"));
    Buf v6(view(captured::kArpRequest).begin(), view(captured::kArpRequest).end());
    v6[12] = 0x86;
    v6[13] = 0xdd;
    CHECK(has(d.frame(v6, Dir::In), "ethertype 0x86dd (IPv6) not decoded\n"));
}

TEST_CASE("packet trace: checksums, bad or not yet computed (offload on veth)") {
    Buf syn(view(captured::kTcpSyn).begin(), view(captured::kTcpSyn).end());
    syn[kEth + kIp + 16] ^= 0x5a;  // the TCP checksum field
    Dump d;
    const std::string bad = d.frame(syn, Dir::In);
    CHECK(has(bad, "[SYN] Seq=0"));
    CHECK(has(bad, "  BAD CHECKSUM\n"));
    // TP_STATUS_CSUMNOTREADY: the field is not the sum yet, so not "bad".
    Dump offload;
    const std::string partial = offload.frame(syn, Dir::Out, false, /*not_ready=*/true);
    CHECK(has(partial, "  cksum offloaded\n"));
    CHECK_FALSE(has(partial, "BAD"));

    Buf ip(view(captured::kEchoRequest).begin(), view(captured::kEchoRequest).end());
    ip[kEth + 8] ^= 0x01;  // the TTL, covered by the header checksum
    CHECK(has(d.frame(ip, Dir::In), "IPv4 BAD HEADER CHECKSUM (a host drops it)\n"));
}

TEST_CASE("packet trace: --verbose adds every header's fields under the line") {
    Dump d;
    const std::string out = d.frame(view(captured::kTcpSyn), Dir::Out, /*verbose=*/true);
    CAPTURE(out);
    const std::size_t line = out.find("[SYN] Seq=0");
    const std::size_t eth = out.find("             " "           dst: 02:00:00:00:00:0b");
    const std::size_t ip = out.find("ttl: 64");
    const std::size_t tcp = out.find("      src port: 48188");
    CHECK(line < eth);
    CHECK(eth < ip);
    CHECK(ip < tcp);
    CHECK(tcp != std::string::npos);
}
