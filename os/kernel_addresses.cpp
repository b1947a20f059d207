#include "os/kernel_addresses.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

namespace os {

bool kernel_has_address(const std::string& ifname, std::uint32_t addr) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return false;
    bool found = false;
    for (const ifaddrs* a = list; a && !found; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || ifname != a->ifa_name) continue;
        const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
        found = ntohl(sin->sin_addr.s_addr) == addr;
    }
    freeifaddrs(list);
    return found;
}

}  // namespace os
