#include "link/pcap_device.hpp"

#include "link/gso_checksum.hpp"
#include "link/vnet.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace l2 {

PcapDevice::PcapDevice(std::unique_ptr<Device> inner, const std::string& path)
    : DeviceWrapper(std::move(inner)) {
    const auto type = inner_->framing() == Framing::Ethernet ? PcapLinkType::Ethernet
                                                             : PcapLinkType::Ipv4;
    // Snap length: the whole of the largest packet the device can carry, so
    // that nothing is cut and tshark can reassemble every stream.
    const auto snaplen = static_cast<std::uint32_t>(std::max<std::size_t>(inner_->mtu(), 65535));
    if (!writer_.open(path, type, snaplen)) throw DeviceError("--pcap " + writer_.error());
    LOG(link, info) << "pcap: writing every packet in and out to " << path << " (link type "
                    << (type == PcapLinkType::Ethernet ? "Ethernet" : "raw IPv4") << ")";
}

void PcapDevice::write(base::Bytes packet) {
    if (writer_.write(packet)) {
        ++written_;
    } else if (!failed_) {
        failed_ = true;  // e.g. the disk is full: say so once, keep the stack running
        LOG(link, error) << "pcap: " << writer_.error();
    }
}

std::optional<Received> PcapDevice::receive(base::MutBytes buf) {
    auto r = inner_->receive(buf);
    if (r) {
        const base::MutBytes p(buf.data(), std::min(r->length, buf.size()));
        finish_partial_checksum(*r, p);  // the file holds whole frames
        if (!keep_ || keep_(p)) write(p);
    }
    return r;
}

int PcapDevice::send(base::Bytes packet) {
    const int err = inner_->send(packet);
    if (err == 0) write(packet);  // a packet the device refused never left
    return err;
}

int PcapDevice::send_gso(base::Bytes packet, std::uint16_t gso_size) {
    const int err = inner_->send_gso(packet, gso_size);
    if (err != 0) return err;
    if (gso_size == 0) {
        write(packet);
        return 0;
    }
    // The checksum is partial (link/gso_checksum.hpp) and the device below
    // takes the packet as it is: a copy is finished, so the file holds the
    // whole frame a receiver's RFC 9293 3.1 check accepts.
    whole_.assign(packet.begin(), packet.end());
    finish_tcp_checksum(whole_, inner_->framing());
    write(whole_);
    return 0;
}

}  // namespace l2
