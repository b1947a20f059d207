#include "capture/pcap_file.hpp"

#include <pcap/pcap.h>

#include <memory>

namespace capture {

namespace {

// libpcap reports DLT_ values; files and our writer use LINKTYPE_ values.
std::uint32_t linktype_of(int dlt) {
    if (dlt == DLT_RAW) return linktype::kRaw;
    return static_cast<std::uint32_t>(dlt);
}

struct Closer {
    void operator()(pcap_t* p) const { pcap_close(p); }
};

}  // namespace

int dlt_of(std::uint32_t lt) {
    if (lt == linktype::kRaw) return DLT_RAW;
    return static_cast<int>(lt);
}

std::string read_pcap(const std::string& path, const RecordFn& fn) {
    char err[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, Closer> p(
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err));
    if (!p) return err;
    const std::uint32_t lt = linktype_of(pcap_datalink(p.get()));
    for (;;) {
        pcap_pkthdr* h = nullptr;
        const unsigned char* data = nullptr;
        const int r = pcap_next_ex(p.get(), &h, &data);
        if (r == PCAP_ERROR_BREAK) return "";  // the end of the file
        if (r != 1) return pcap_geterr(p.get());
        const Record rec{.at = base::Time{std::int64_t{h->ts.tv_sec} * 1'000'000 + h->ts.tv_usec},
                         .bytes = base::Bytes(data, h->caplen),
                         .wire_len = h->len,
                         .linktype = lt};
        if (!fn(rec)) return "";
    }
}

}  // namespace capture
