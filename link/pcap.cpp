#include "link/pcap.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace l2 {

namespace {
constexpr std::uint32_t kMagicMicroseconds = 0xa1b2c3d4;
constexpr std::uint16_t kVersionMajor = 2;
constexpr std::uint16_t kVersionMinor = 4;
constexpr std::size_t kFileHeaderLen = 24;
constexpr std::size_t kRecordHeaderLen = 16;

void put_le16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}
void put_le32(std::uint8_t* p, std::uint32_t v) {
    put_le16(p, static_cast<std::uint16_t>(v));
    put_le16(p + 2, static_cast<std::uint16_t>(v >> 16));
}
}  // namespace

PcapWriter::~PcapWriter() { close(); }

bool PcapWriter::open(const std::string& path, PcapLinkType type, std::uint32_t snaplen) {
    std::lock_guard lock(mu_);
    if (file_) std::fclose(file_);
    path_ = path;
    snaplen_ = snaplen;
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) return fail("cannot open");
    std::uint8_t h[kFileHeaderLen];
    put_le32(h, kMagicMicroseconds);
    put_le16(h + 4, kVersionMajor);
    put_le16(h + 6, kVersionMinor);
    put_le32(h + 8, 0);   // thiszone: timestamps are UTC
    put_le32(h + 12, 0);  // sigfigs: always 0
    put_le32(h + 16, snaplen);
    put_le32(h + 20, static_cast<std::uint32_t>(type));
    if (std::fwrite(h, 1, sizeof h, file_) != sizeof h || std::fflush(file_) != 0) {
        const bool r = fail("cannot write the header of");
        std::fclose(file_);
        file_ = nullptr;
        return r;
    }
    error_.clear();
    return true;
}

bool PcapWriter::is_open() const {
    std::lock_guard lock(mu_);
    return file_ != nullptr;
}

bool PcapWriter::write(base::Bytes packet, std::chrono::system_clock::time_point when) {
    using namespace std::chrono;
    const auto us = duration_cast<microseconds>(when.time_since_epoch()).count();
    std::lock_guard lock(mu_);
    if (!file_) return false;
    const auto captured = static_cast<std::uint32_t>(std::min<std::size_t>(packet.size(), snaplen_));
    std::uint8_t h[kRecordHeaderLen];
    put_le32(h, static_cast<std::uint32_t>(us / 1'000'000));
    put_le32(h + 4, static_cast<std::uint32_t>(us % 1'000'000));
    put_le32(h + 8, captured);
    put_le32(h + 12, static_cast<std::uint32_t>(packet.size()));
    const bool ok = std::fwrite(h, 1, sizeof h, file_) == sizeof h &&
                    (captured == 0 || std::fwrite(packet.data(), 1, captured, file_) == captured) &&
                    std::fflush(file_) == 0;
    return ok || fail("cannot write to");
}

void PcapWriter::close() {
    std::lock_guard lock(mu_);
    if (file_) std::fclose(file_);
    file_ = nullptr;
}

std::string PcapWriter::error() const {
    std::lock_guard lock(mu_);
    return error_;
}

bool PcapWriter::fail(const char* what) {
    error_ = std::string("pcap: ") + what + " " + path_ + ": " + std::strerror(errno);
    return false;
}

}  // namespace l2
