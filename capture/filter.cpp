#include "capture/filter.hpp"

#include <pcap/pcap.h>

#include "capture/pcap_file.hpp"

namespace capture {

struct Filter::Program {
    bpf_program bpf{};
    ~Program() { pcap_freecode(&bpf); }
};

Filter::Filter() = default;
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

bool Filter::compile(const std::string& expr, std::uint32_t linktype, std::string& error) {
    prog_.reset();
    if (expr.find_first_not_of(" \t") == std::string::npos) return true;
    // A dead handle: libpcap needs only the link type (for the offsets of
    // the headers) and a snapshot length to compile against.
    pcap_t* dead = pcap_open_dead(dlt_of(linktype), 262144);
    if (!dead) {
        error = "libpcap cannot compile for link type " + std::to_string(linktype);
        return false;
    }
    auto p = std::make_unique<Program>();
    const bool ok = pcap_compile(dead, &p->bpf, expr.c_str(), /*optimize=*/1,
                                 PCAP_NETMASK_UNKNOWN) == 0;
    if (!ok) error = pcap_geterr(dead);
    else prog_ = std::move(p);
    pcap_close(dead);
    return ok;
}

bool Filter::matches(base::Bytes packet, std::uint32_t wire_len) const {
    if (!prog_) return true;
    pcap_pkthdr h{};
    h.caplen = static_cast<bpf_u_int32>(packet.size());
    h.len = wire_len;
    return pcap_offline_filter(&prog_->bpf, &h, packet.data()) != 0;
}

}  // namespace capture
