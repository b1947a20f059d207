// A fixed-capacity byte ring: the send buffer (bytes from SND.UNA on) and the
// receive buffer (bytes from the application's read point on, including
// out-of-order data written ahead of RCV.NXT). One allocation, at the first
// write (a half-open connection holds no buffer: RFC 4987 3.1's point that
// SYN-RECEIVED state should be cheap), none per segment; bytes are handed
// out as at most two spans.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "base/bytes.hpp"

namespace tcp {

class RingBuffer {
public:
    explicit RingBuffer(std::size_t capacity) : cap_(capacity) {}

    bool allocated() const { return buf_ != nullptr; }

    std::size_t capacity() const { return cap_; }
    std::size_t size() const { return len_; }  // bytes held from the read point
    std::size_t free() const { return cap_ - len_; }
    bool empty() const { return len_ == 0; }

    // Appends what fits; returns how much.
    std::size_t push(base::Bytes data) {
        const std::size_t n = std::min(data.size(), free());
        write_at(len_, data.first(n));
        len_ += n;
        return n;
    }

    // Writes `data` at `offset` from the read point without changing size();
    // used for out-of-order data. The caller guarantees offset+size <= capacity.
    void write_at(std::size_t offset, base::Bytes data) {
        if (data.empty()) return;  // memcpy from an empty span's null pointer is UB
        if (!buf_) buf_ = std::make_unique_for_overwrite<std::uint8_t[]>(cap_);
        std::size_t pos = (head_ + offset) % cap_;
        std::size_t first = std::min(data.size(), cap_ - pos);
        std::memcpy(buf_.get() + pos, data.data(), first);
        std::memcpy(buf_.get(), data.data() + first, data.size() - first);
    }

    // Makes `n` bytes already written ahead (by write_at) part of size().
    void commit(std::size_t n) { len_ = std::min(cap_, len_ + n); }

    // Up to `len` bytes starting `offset` from the read point, as two spans.
    std::pair<base::Bytes, base::Bytes> peek(std::size_t offset, std::size_t len) const {
        if (offset >= len_) return {};
        len = std::min(len, len_ - offset);
        std::size_t pos = (head_ + offset) % cap_;
        std::size_t first = std::min(len, cap_ - pos);
        return {base::Bytes(buf_.get() + pos, first), base::Bytes(buf_.get(), len - first)};
    }

    // Copies up to out.size() bytes from the read point and consumes them.
    std::size_t read(base::MutBytes out) {
        auto [a, b] = peek(0, out.size());
        if (a.empty()) return 0;
        std::memcpy(out.data(), a.data(), a.size());
        if (!b.empty()) std::memcpy(out.data() + a.size(), b.data(), b.size());
        consume(a.size() + b.size());
        return a.size() + b.size();
    }

    void consume(std::size_t n) {
        n = std::min(n, len_);
        head_ = (head_ + n) % cap_;
        len_ -= n;
    }

private:
    std::unique_ptr<std::uint8_t[]> buf_;
    std::size_t cap_;
    std::size_t head_ = 0;
    std::size_t len_ = 0;
};

}  // namespace tcp
