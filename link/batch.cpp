#include "link/batch.hpp"

#include <linux/if_packet.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace l2 {

TxBatch::TxBatch(std::size_t arena_bytes) : arena_(arena_bytes) { items_.reserve(kMaxFrames); }

bool TxBatch::add(base::Bytes frame, std::uint32_t dst, base::Bytes head) {
    const base::Bytes pieces[2] = {head, frame};
    return add_pieces(pieces, dst);
}

bool TxBatch::add_pieces(std::span<const base::Bytes> pieces, std::uint32_t dst) {
    std::size_t n = 0;
    for (const base::Bytes p : pieces) n += p.size();
    if (items_.size() >= kMaxFrames || n > arena_.size() - used_) return false;
    std::uint8_t* at = arena_.data() + used_;
    std::size_t off = 0;
    for (const base::Bytes p : pieces) {
        if (!p.empty()) std::memcpy(at + off, p.data(), p.size());
        off += p.size();
    }
    items_.push_back({base::Bytes(at, n), dst});
    // Keep every frame 8-byte aligned, as the kernel would lay them out.
    used_ += (n + 7) & ~std::size_t{7};
    if (used_ > arena_.size()) used_ = arena_.size();
    return true;
}

TxBatch::Flushed TxBatch::flush(const SendMany& send) {
    Flushed f;
    std::size_t i = 0;
    while (i < items_.size()) {
        const int r = send(std::span<const Item>(items_).subspan(i));
        if (r > 0) {
            const auto n = std::min<std::size_t>(static_cast<std::size_t>(r), items_.size() - i);
            f.sent += n;
            i += n;
            continue;
        }
        const int err = r < 0 ? -r : EIO;
        if (err == EINTR) continue;
        f.last_error = err;
        if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
            f.dropped += items_.size() - i;  // no room: the rest would fail too
            break;
        }
        ++f.dropped;  // this one frame is refused (EMSGSIZE, ENETUNREACH...)
        ++i;
    }
    items_.clear();
    used_ = 0;
    return f;
}

RxBatch::RxBatch() : slots_((kMaxFrames - 1) * kSlot), got_(kMaxFrames) {}

std::optional<RxBatch::Frame> RxBatch::next(base::MutBytes buf, const RecvMany& recv) {
    for (;;) {
        if (got_i_ == got_n_) {
            if (short_) {  // the socket was empty when the last batch was read
                short_ = false;
                last_error_ = EAGAIN;
                return std::nullopt;
            }
            if (!refill(buf, recv)) return std::nullopt;
        }
        const std::size_t i = got_i_++;
        const Got& g = got_[i];
        if (g.skip) continue;
        Frame f{std::min(g.length, buf.size()), g.checksum_not_ready};
        if (i > 0) std::memcpy(buf.data(), slots_.data() + (i - 1) * kSlot, f.length);
        return f;
    }
}

bool RxBatch::refill(base::MutBytes first, const RecvMany& recv) {
    got_n_ = got_i_ = 0;
    mmsghdr msgs[kMaxFrames]{};
    iovec iov[kMaxFrames];
    sockaddr_ll from[kMaxFrames];
    alignas(cmsghdr) char control[kMaxFrames][CMSG_SPACE(sizeof(tpacket_auxdata))];
    for (std::size_t i = 0; i < kMaxFrames; ++i) {
        iov[i] = i == 0 ? iovec{first.data(), first.size()}
                        : iovec{slots_.data() + (i - 1) * kSlot, kSlot};
        from[i] = {};
        msghdr& m = msgs[i].msg_hdr;
        m.msg_name = &from[i];
        m.msg_namelen = sizeof from[i];
        m.msg_iov = &iov[i];
        m.msg_iovlen = 1;
        m.msg_control = control[i];
        m.msg_controllen = sizeof control[i];
    }
    int n;
    do {
        n = recv(msgs, kMaxFrames);
    } while (n == -EINTR);
    if (n <= 0) {
        last_error_ = n < 0 ? -n : EAGAIN;
        return false;
    }
    n = std::min(n, static_cast<int>(kMaxFrames));
    ++batches_;
    short_ = static_cast<std::size_t>(n) < kMaxFrames;
    for (int i = 0; i < n; ++i) {
        Got& g = got_[static_cast<std::size_t>(i)];
        msghdr& m = msgs[i].msg_hdr;
        g = {};
        g.length = std::min<std::size_t>(msgs[i].msg_len, iov[i].iov_len);
        // packet(7): an ETH_P_ALL socket also sees what this host sends on
        // the interface, ours included (where PACKET_IGNORE_OUTGOING is not
        // there). Those are not for us.
        g.skip = from[i].sll_pkttype == PACKET_OUTGOING;
        if (m.msg_flags & MSG_TRUNC) {  // longer than any IPv4 packet: not whole
            ++truncated_;
            g.skip = true;
        }
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
            tpacket_auxdata aux;
            std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
            // With checksum offload the kernel hands the frame over before
            // the transport checksum exists (what tcpdump does too).
            g.checksum_not_ready = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
        }
    }
    got_n_ = static_cast<std::size_t>(n);
    return true;
}

}  // namespace l2
