#include "os/ingress.hpp"

#include <unistd.h>

#include <sstream>

#include "base/addr.hpp"
#include "base/log.hpp"
#include "os/nft.hpp"

namespace os {

std::string IngressGuard::rules(const std::string& table, const std::vector<Interface>& ifaces) {
    std::ostringstream r;
    r << "table netdev " << table << " {\n";
    for (std::size_t n = 0; n < ifaces.size(); ++n) {
        const Interface& i = ifaces[n];
        r << "  chain in" << n << " {\n"
          << "    type filter hook ingress device \"" << i.name << "\" priority 0; policy accept;\n"
          << "    ip daddr " << base::addr_to_string(i.addr) << " drop\n"
          << "  }\n";
    }
    r << "}\n";
    return r.str();
}

std::unique_ptr<IngressGuard> IngressGuard::install(const std::vector<Interface>& ifaces) {
    if (ifaces.empty()) return nullptr;
    remove_stale_nft_tables();
    std::unique_ptr<IngressGuard> g(new IngressGuard(kNftPrefix + std::to_string(getpid())));
    const auto r = nft({"-f", "-"}, replace_table("netdev", g->table_) + rules(g->table_, ifaces));
    if (r.status != 0) {
        LOG(stack, info) << "packet: the kernel will also parse (and drop) every frame to our "
                            "address, which costs it a route lookup each: nft "
                         << (r.status == -1 ? "is missing (install nftables)" : "refused: " + first_line(r.output));
        return nullptr;
    }
    g->installed_ = true;
    LOG(stack, debug) << "packet: installed nftables table netdev " << g->table_;
    return g;
}

IngressGuard::~IngressGuard() { remove(); }

void IngressGuard::remove() {
    std::lock_guard lk(mu_);
    if (!installed_) return;
    installed_ = false;
    const auto r = nft({"delete", "table", "netdev", table_});
    if (r.status == 0) {
        LOG(stack, debug) << "packet: removed nftables table netdev " << table_;
    } else {
        LOG(stack, warning) << "packet: removing table netdev " << table_ << ": " << first_line(r.output);
    }
}

}  // namespace os
