// A TCP super-segment out in pieces (l2::GsoParts): the Ethernet, IPv4 and
// TCP headers built in the host's buffer, the payload left where the send
// ring holds it, so that a device writing the pieces out as they are (the
// TAP's writev) takes 64 KiB without a copy in user space. Only on the way
// output.cpp would take with the super-segment whole, to transmit_gso:
// routed (RFC 1122 3.3.1) to an Ethernet interface that takes packets
// longer than its MTU (TSO), not a broadcast, its next hop's MAC known
// (RFC 826); in raw mode, a bare packet toward a local address, which the
// raw device puts on lo (its packet socket takes the pieces too). Every
// other case (ARP to ask, a packet the link cannot take, so fragmented or
// finished whole) builds it whole as before.
#include "base/log.hpp"
#include "host/internal.hpp"
#include "ip/ipv4.hpp"

namespace host {

bool Host::send_segment_parts(const ip::Ipv4Header& ih, const tcp::Header& h, base::Bytes p1,
                              base::Bytes p2, std::uint16_t gso_size) {
    if (ifaces_.empty()) return false;
    if (cfg_.kernel_owns_addresses) return send_raw_parts(ih, h, p1, p2, gso_size);
    const auto e = ip::choose_egress(routes_, addrs_, ih.src, ih.dst);
    if (!e) return false;  // send_datagram counts it
    Interface& nif = *ifaces_[static_cast<std::size_t>(e->ifindex)];
    // send_on's test for a super-segment the device cuts (l2::Device::send_gso).
    const std::size_t len = ih.total_length;
    if (!nif.ethernet() || !nif.arp || !nif.device_cuts(len, *e)) return false;
    // put(): RFC 1122 2.3.2.2 would hold the packet until the neighbour
    // answers, which needs it whole.
    const auto mac = nif.arp->resolve_known(e->next_hop);
    if (!mac) return false;
    // The Ethernet header (RFC 894, as transmit_frame writes it) in front.
    const std::size_t hlen = build_parts_headers(ih, h, p1.size() + p2.size());
    if (hlen == 0) return false;
    l2::build_ethernet_header(base::MutBytes(tx_.data(), kHeadroom), {*mac, nif.cfg.mac, l2::ethertype::IPv4});
    const l2::GsoParts parts{base::Bytes(tx_.data(), kHeadroom + hlen), p1, p2, gso_size};
    frame_sent(nif, *mac, l2::ethertype::IPv4, len, nif.sink->transmit_gso_parts(parts));
    return true;
}

// Raw mode: the bare IPv4 packet, as put() hands it over, on the one way
// that takes super-segments (lo, toward a local address: device_cuts).
bool Host::send_raw_parts(const ip::Ipv4Header& ih, const tcp::Header& h, base::Bytes p1,
                          base::Bytes p2, std::uint16_t gso_size) {
    Interface& nif = *ifaces_.front();
    if (nif.ethernet() || !device_cuts(nif, {0, ih.dst, false}, ih.total_length)) return false;
    const std::size_t hlen = build_parts_headers(ih, h, p1.size() + p2.size());
    if (hlen == 0) return false;
    const l2::GsoParts parts{base::Bytes(tx_.data() + kHeadroom, hlen), p1, p2, gso_size};
    // A refused one is to TCP a lost packet: it retransmits.
    bare_sent(nif, ih.total_length, nif.sink->transmit_gso_parts(parts));
    return true;
}

// The IPv4 and TCP headers of a super-segment of `payload` bytes, as
// send_segment and tcp::build write them (RFC 791, RFC 9293 3.1 with the
// partial checksum of link/gso_checksum.hpp), at tx_ + kHeadroom; their
// length, or 0 when they and the payload do not make ih.total_length.
std::size_t Host::build_parts_headers(const ip::Ipv4Header& ih, const tcp::Header& h, std::size_t payload) {
    const base::MutBytes out(tx_.data() + kHeadroom, ip::kIpv4HeaderLen + tcp::kHeaderMax);
    ip::build_ipv4_header(out, ih);
    const std::size_t tcp_hlen =
        tcp::build_header_partial(out.subspan(ip::kIpv4HeaderLen), h, ih.src, ih.dst, payload);
    if (tcp_hlen == 0 || ip::kIpv4HeaderLen + tcp_hlen + payload != ih.total_length) return 0;
    return ip::kIpv4HeaderLen + tcp_hlen;
}

}  // namespace host
