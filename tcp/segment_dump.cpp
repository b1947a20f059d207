#include "tcp/segment_dump.hpp"
#include "ip/ipv4.hpp"

#include <sstream>

#include "base/dump.hpp"

namespace tcp {

namespace {
// "mss=1460, sackOK, TS val=1 ecr=0, wscale=10 (x1024)", or "none".
std::string options_text(const Options& o) {
    std::string s;
    char buf[64];
    auto item = [&](const char* text) {
        if (!s.empty()) s += ", ";
        s += text;
    };
    if (o.mss) {
        std::snprintf(buf, sizeof buf, "mss=%u", *o.mss);
        item(buf);
    }
    if (o.sack_permitted) item("sackOK");
    if (o.timestamps) {
        std::snprintf(buf, sizeof buf, "TS val=%u ecr=%u", o.timestamps->val, o.timestamps->ecr);
        item(buf);
    }
    if (o.wscale) {
        // RFC 7323 2.3: shifts above 14 are used as 14.
        const unsigned shift = *o.wscale > 14 ? 14 : *o.wscale;
        std::snprintf(buf, sizeof buf, "wscale=%u (x%u)", *o.wscale, 1u << shift);
        item(buf);
    }
    for (std::size_t i = 0; i < o.sack_count; ++i) {
        std::snprintf(buf, sizeof buf, "sack %u-%u", o.sack[i].left, o.sack[i].right);
        item(buf);
    }
    return s.empty() ? "none" : s;
}
}  // namespace

std::string dump(const Header& h) {
    const unsigned offset_flags = (unsigned{h.data_offset} << 12) | h.flags;
    base::FieldDump d;
    d.add("src port", "%u", h.src_port);
    d.add("dst port", "%u", h.dst_port);
    d.add("seq", "%u", h.seq);
    d.add("ack", "%u%s", h.ack, h.has(flag::ACK) ? "" : " (ACK not set: ignored)");
    d.add("offset/flags", "0x%04x [data offset=%u (%u bytes), flags=%s]", offset_flags,
          h.data_offset, h.data_offset * 4u, flags_to_string(h.flags).c_str());
    d.add("window", "%u%s", h.window, h.has(flag::SYN) ? " (never scaled in a SYN)" : "");
    d.add("checksum", "0x%04x", h.checksum);
    d.add("urgent", "%u%s", h.urgent, h.has(flag::URG) ? "" : " (URG not set: ignored)");
    d.add("options", "%s", options_text(h.options).c_str());
    return d.str();
}

std::string describe(const char* dir, std::uint32_t src, std::uint32_t dst, const Header& h,
                     std::size_t payload_len) {
    std::ostringstream os;
    os << dir << " " << ip::addr_to_string(src) << ":" << h.src_port << " > "
       << ip::addr_to_string(dst) << ":" << h.dst_port << " [" << flags_to_string(h.flags)
       << "] seq=" << h.seq;
    if (h.has(flag::ACK)) os << " ack=" << h.ack;
    os << " win=" << h.window << " len=" << payload_len;
    return os.str();
}

}  // namespace tcp
