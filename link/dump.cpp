#include "link/dump.hpp"

#include "base/dump.hpp"

namespace l2 {

namespace {
const char* mac_kind(const MacAddr& m) {
    if (m.is_broadcast()) return " (broadcast)";
    if (m.is_multicast()) return " (multicast)";
    return "";
}

// Dotted quad, written here because the link layer does not depend on ip/.
std::string ipv4_text(std::uint32_t a) {
    char s[16];
    std::snprintf(s, sizeof s, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
    return s;
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
    d.add("spa", "%s", ipv4_text(a.spa).c_str());
    d.add("tha", "%s", a.tha.to_string().c_str());
    d.add("tpa", "%s", ipv4_text(a.tpa).c_str());
    return d.str();
}

}  // namespace l2
