#include "link/dump.hpp"

#include "base/addr.hpp"
#include "base/dump.hpp"

namespace l2 {

namespace {
const char* mac_kind(const MacAddr& m) {
    if (m.is_broadcast()) return " (broadcast)";
    if (m.is_multicast()) return " (multicast)";
    return "";
}
}  // namespace

std::string dump(const EthernetHeader& h) {
    base::FieldDump d;
    d.add("dst", "%s%s", h.dst.to_string().c_str(), mac_kind(h.dst));
    d.add("src", "%s%s", h.src.to_string().c_str(), mac_kind(h.src));
    d.add("type", "0x%04x (%s)", h.type, std::string(ethertype_name(h.type)).c_str());
    return d.str();
}

// RFC 826 "Packet format". The fixed fields are shown although the struct
// does not keep them (the parser accepts no other values), so the dump lines
// up with the diagram.
std::string dump(const ArpPacket& a) {
    base::FieldDump d;
    d.add("htype", "0x%04x (Ethernet)", kArpHtypeEthernet);
    d.add("ptype", "0x%04x (IPv4)", ethertype::IPv4);
    d.add("hlen", "6");
    d.add("plen", "4");
    d.add("op", "%u (%s)", static_cast<unsigned>(a.op), std::string(arp_op_name(a.op)).c_str());
    d.add("sha", "%s", a.sha.to_string().c_str());
    d.add("spa", "%s", base::addr_to_string(a.spa).c_str());
    d.add("tha", "%s", a.tha.to_string().c_str());
    d.add("tpa", "%s", base::addr_to_string(a.tpa).c_str());
    return d.str();
}

}  // namespace l2
