#include "tcp/segment.hpp"

#include <cstring>

#include "ip/checksum.hpp"

namespace tcp {

using base::get_u16;
using base::get_u32;
using base::ParseError;
using base::put_u16;
using base::put_u32;

std::size_t Options::wire_length() const {
    // Mirrors write_options() below, NOP padding included.
    std::size_t n = 0;
    if (mss) n += 4;
    if (sack_permitted) n += timestamps ? 2 : 4;
    if (timestamps) n += sack_permitted ? 10 : 12;
    if (wscale) n += 4;
    if (sack_count) n += 4 + 8 * std::size_t{sack_count};
    return (n + 3) & ~std::size_t{3};
}

namespace {

// RFC 9293 3.2: options other than EOL and NOP carry kind, length, data;
// a length below 2 or past the header makes the segment malformed.
ParseError parse_options(base::Bytes o, Options& out) {
    std::size_t i = 0;
    while (i < o.size()) {
        const std::uint8_t kind = o[i];
        if (kind == opt::EOL) break;
        if (kind == opt::NOP) {
            ++i;
            continue;
        }
        if (i + 1 >= o.size()) return ParseError::BadOption;
        const std::uint8_t len = o[i + 1];
        if (len < 2 || i + len > o.size()) return ParseError::BadOption;
        const std::uint8_t* d = o.data() + i + 2;
        switch (kind) {
            case opt::MSS:
                if (len != 4) return ParseError::BadOption;
                out.mss = get_u16(d);
                break;
            case opt::WSCALE:
                if (len != 3) return ParseError::BadOption;
                out.wscale = d[0];
                break;
            case opt::SACK_PERMITTED:
                if (len != 2) return ParseError::BadOption;
                out.sack_permitted = true;
                break;
            case opt::TIMESTAMPS:
                if (len != 10) return ParseError::BadOption;
                out.timestamps = Timestamps{get_u32(d), get_u32(d + 4)};
                break;
            case opt::SACK: {
                // RFC 2018 3: length 2 + 8n.
                if (len < 10 || (len - 2) % 8 != 0) return ParseError::BadOption;
                const std::size_t n = std::min<std::size_t>((len - 2) / 8, kMaxSackBlocks);
                // A second SACK option replaces the first whole: no block of
                // the first stays behind past sack_count.
                out.sack = {};
                out.sack_count = static_cast<std::uint8_t>(n);
                for (std::size_t b = 0; b < n; ++b)
                    out.sack[b] = SackBlock{get_u32(d + 8 * b), get_u32(d + 8 * b + 4)};
                break;
            }
            default:
                break;  // unknown: skipped by its length (RFC 9293 3.2, RFC 1122 4.2.2.5)
        }
        i += len;
    }
    return ParseError::None;
}

std::size_t write_options(std::uint8_t* p, const Options& o) {
    std::uint8_t* start = p;
    // The layout Linux uses, so captures look familiar: MSS, SACK-permitted
    // with timestamps, NOP+wscale.
    if (o.mss) {
        p[0] = opt::MSS, p[1] = 4;
        put_u16(p + 2, *o.mss);
        p += 4;
    }
    if (o.sack_permitted && o.timestamps) {
        p[0] = opt::SACK_PERMITTED, p[1] = 2;
        p += 2;
    } else if (o.sack_permitted) {
        p[0] = opt::NOP, p[1] = opt::NOP, p[2] = opt::SACK_PERMITTED, p[3] = 2;
        p += 4;
    }
    if (o.timestamps) {
        if (!o.sack_permitted) p[0] = opt::NOP, p[1] = opt::NOP, p += 2;
        p[0] = opt::TIMESTAMPS, p[1] = 10;
        put_u32(p + 2, o.timestamps->val);
        put_u32(p + 6, o.timestamps->ecr);
        p += 10;
    }
    if (o.wscale) {
        p[0] = opt::NOP, p[1] = opt::WSCALE, p[2] = 3, p[3] = *o.wscale;
        p += 4;
    }
    if (o.sack_count) {
        p[0] = opt::NOP, p[1] = opt::NOP, p[2] = opt::SACK;
        p[3] = static_cast<std::uint8_t>(2 + 8 * o.sack_count);
        p += 4;
        for (std::size_t b = 0; b < o.sack_count; ++b) {
            put_u32(p, o.sack[b].left);
            put_u32(p + 4, o.sack[b].right);
            p += 8;
        }
    }
    while ((p - start) % 4) *p++ = opt::EOL;
    return static_cast<std::size_t>(p - start);
}

}  // namespace

base::Parsed<SegmentView> parse(base::Bytes seg, std::uint32_t src_ip, std::uint32_t dst_ip,
                                bool verify) {
    using P = base::Parsed<SegmentView>;
    if (seg.size() < kHeaderMin) return P::fail(ParseError::Truncated);
    SegmentView v;
    Header& h = v.header;
    const std::uint8_t* p = seg.data();
    h.src_port = get_u16(p);
    h.dst_port = get_u16(p + 2);
    h.seq = get_u32(p + 4);
    h.ack = get_u32(p + 8);
    h.data_offset = p[12] >> 4;
    h.flags = p[13];
    h.window = get_u16(p + 14);
    h.checksum = get_u16(p + 16);
    h.urgent = get_u16(p + 18);
    const std::size_t hlen = std::size_t{h.data_offset} * 4;
    if (h.data_offset < 5 || hlen > seg.size()) return P::fail(ParseError::BadDataOffset);
    if (verify && !ip::transport_checksum_ok(src_ip, dst_ip, kProtocol, seg))
        return P::fail(ParseError::BadChecksum);
    if (auto e = parse_options(seg.subspan(kHeaderMin, hlen - kHeaderMin), h.options);
        e != ParseError::None)
        return P::fail(e);
    v.payload = seg.subspan(hlen);
    return P{v, ParseError::None};
}

namespace {

// RFC 9293 3.1: the fixed header, then the options; the checksum zero.
void write_header(std::uint8_t* p, const Header& h, std::size_t hlen) {
    put_u16(p, h.src_port);
    put_u16(p + 2, h.dst_port);
    put_u32(p + 4, h.seq);
    put_u32(p + 8, h.ack);
    p[12] = static_cast<std::uint8_t>((hlen / 4) << 4);
    p[13] = h.flags;
    put_u16(p + 14, h.window);
    put_u16(p + 16, 0);
    put_u16(p + 18, h.urgent);
    write_options(p + kHeaderMin, h.options);
}

// RFC 9293 3.1: the pseudo-header (source, destination, zero + PTCL, TCP
// length) is all the sum that does not depend on the bytes.
std::uint16_t partial_sum(std::uint32_t src_ip, std::uint32_t dst_ip, std::size_t total) {
    ip::Checksum c;
    ip::add_pseudo_header(c, src_ip, dst_ip, kProtocol, static_cast<std::uint16_t>(total));
    return c.folded();
}

}  // namespace

std::size_t build(base::MutBytes out, const Header& h, std::uint32_t src_ip, std::uint32_t dst_ip,
                  base::Bytes p1, base::Bytes p2, ChecksumMode mode) {
    const std::size_t hlen = kHeaderMin + h.options.wire_length();
    const std::size_t total = hlen + p1.size() + p2.size();
    if (hlen > kHeaderMax || out.size() < total || total > 0xffff) return 0;
    std::uint8_t* p = out.data();
    write_header(p, h, hlen);
    if (!p1.empty()) std::memcpy(p + hlen, p1.data(), p1.size());
    if (!p2.empty()) std::memcpy(p + hlen + p1.size(), p2.data(), p2.size());
    if (mode == ChecksumMode::Partial) {
        put_u16(p + 16, partial_sum(src_ip, dst_ip, total));
    } else {
        put_u16(p + 16, ip::transport_checksum(src_ip, dst_ip, kProtocol, out.first(total)));
    }
    return total;
}

std::size_t build_header_partial(base::MutBytes out, const Header& h, std::uint32_t src_ip,
                                 std::uint32_t dst_ip, std::size_t payload_len) {
    const std::size_t hlen = kHeaderMin + h.options.wire_length();
    const std::size_t total = hlen + payload_len;
    if (hlen > kHeaderMax || out.size() < hlen || total > 0xffff) return 0;
    write_header(out.data(), h, hlen);
    put_u16(out.data() + 16, partial_sum(src_ip, dst_ip, total));
    return hlen;
}

std::string flags_to_string(std::uint8_t f) {
    static constexpr const char* names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    // Print in the order people say them: SYN,ACK rather than ACK,SYN.
    static constexpr int order[] = {1, 0, 2, 3, 4, 5, 6, 7};
    std::string s;
    for (int i : order)
        if (f & (1u << i)) {
            if (!s.empty()) s += ',';
            s += names[i];
        }
    return s.empty() ? "none" : s;
}

}  // namespace tcp
