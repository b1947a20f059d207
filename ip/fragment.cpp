#include "ip/fragment.hpp"

#include <algorithm>
#include <cstring>

namespace ip {

std::string_view to_string(FragmentError e) {
    switch (e) {
        case FragmentError::None: return "ok";
        case FragmentError::Malformed: return "malformed datagram";
        case FragmentError::DontFragment: return "too big with DF set";
        case FragmentError::MtuTooSmall: return "MTU below 68";
        case FragmentError::HasOptions: return "header has options";
    }
    return "?";
}

Fragmenter::Fragmenter(base::Bytes datagram, std::size_t mtu)
    : whole_(datagram), mtu_(std::min<std::size_t>(mtu, 65535)) {
    auto v = parse_ipv4(datagram, /*verify=*/false);  // ours: built, not received
    if (!v) {
        error_ = FragmentError::Malformed;
        return;
    }
    header_ = v->header;
    data_ = v->payload;
    whole_ = datagram.first(header_.total_length);  // cut off any trailing bytes
    if (whole_.size() <= mtu_) {
        single_ = true;
        return;
    }
    if (mtu_ < kMinMtu) error_ = FragmentError::MtuTooSmall;
    // RFC 791 3.1: DF -- "if the Don't Fragment flag is set, then internet
    // fragmentation of this datagram is NOT permitted".
    else if (header_.df) error_ = FragmentError::DontFragment;
    else if (header_.ihl != 5) error_ = FragmentError::HasOptions;
    // RFC 791 3.2: the fragment offset counts 8-octet units, so every
    // fragment but the last carries a multiple of 8 data octets.
    else slice_ = (mtu_ - kIpv4HeaderLen) & ~std::size_t{7};
}

std::size_t Fragmenter::count() const {
    if (error_ != FragmentError::None) return 0;
    if (single_) return 1;
    return (data_.size() + slice_ - 1) / slice_;
}

std::size_t Fragmenter::next(base::MutBytes out) {
    if (error_ != FragmentError::None) return 0;
    if (single_) {
        if (single_sent_ || out.size() < whole_.size()) return 0;
        std::memcpy(out.data(), whole_.data(), whole_.size());
        single_sent_ = true;
        return whole_.size();
    }
    if (done_ == data_.size()) return 0;
    const std::size_t len = std::min(slice_, data_.size() - done_);
    const std::size_t total = kIpv4HeaderLen + len;
    if (out.size() < total) return 0;
    const bool last = done_ + len == data_.size();
    // RFC 791 3.2: each fragment copies the original header; MF is set on
    // all but the last, and the last keeps the original's MF (a datagram
    // that was itself a fragment stays one); offsets add to the original's.
    Ipv4Header h = header_;
    h.total_length = static_cast<std::uint16_t>(total);
    h.mf = !last || header_.mf;
    h.frag_offset = static_cast<std::uint16_t>(header_.frag_offset + done_ / 8);
    build_ipv4_header(out, h);
    std::memcpy(out.data() + kIpv4HeaderLen, data_.data() + done_, len);
    done_ += len;
    return total;
}

}  // namespace ip
