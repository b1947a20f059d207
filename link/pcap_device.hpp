// --pcap FILE: a device around any device that writes every packet
// it sends and receives to a pcap file as it passes, for Wireshark, tshark or
// tcpdump -r. The link type follows the device: LINKTYPE_IPV4 for the raw
// device's bare IPv4 packets, LINKTYPE_ETHERNET for packet and tap frames.
// Each record is flushed as it is written (link/pcap.hpp), so `tshark -r`
// can read the file while the program runs.
//
// It sits next to the real device, below the fault injector: a packet the
// injector drops never reaches the wire and is not in the file; a duplicate
// is there twice; a delayed one appears when it is really sent.
//
// Raw mode sees every TCP packet of the host (raw(7)), most of them not for
// us; the stack sets a receive filter so that the file holds our traffic
// only (see stack/watch.hpp). With no filter every received packet is kept.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "link/device.hpp"
#include "link/pcap.hpp"

namespace l2 {

// Whether a received packet belongs in the capture (and the trace).
using ReceiveFilter = std::function<bool(base::Bytes)>;

class PcapDevice final : public DeviceWrapper {
public:
    // Creates (truncates) `path`. Throws DeviceError ("--pcap FILE: cannot
    // open ... (reason)") when it cannot be written.
    PcapDevice(std::unique_ptr<Device> inner, const std::string& path);

    std::optional<Received> receive(base::MutBytes buf) override;
    int send(base::Bytes packet) override;
    // A TSO super-packet is written as one record longer than the MTU, as
    // tcpdump shows one on a NIC with TSO (the pieces the device cuts from
    // it are not seen here), its partial checksum finished in a copy.
    int send_gso(base::Bytes packet, std::uint16_t gso_size) override;

    void set_receive_filter(ReceiveFilter f) { keep_ = std::move(f); }
    std::uint64_t written() const { return written_; }

private:
    void write(base::Bytes packet);

    PcapWriter writer_;
    ReceiveFilter keep_;
    std::vector<std::uint8_t> whole_;  // a super-packet, its checksum finished
    std::uint64_t written_ = 0;
    bool failed_ = false;  // said once that writing failed
};

}  // namespace l2
