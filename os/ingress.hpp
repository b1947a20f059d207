// Keeping the kernel's IPv4 input out of the way in packet mode (docs/
// design.md, "How a packet flows").
//
// The kernel still owns an interface we speak on through AF_PACKET, so each
// frame to our address also climbs the kernel's own IPv4 input: not a
// local address of the kernel's (RFC 1122 3.3.4.2), so it is dropped there,
// but only after a route lookup that allocates and frees a route entry per
// packet. In bulk that was the largest cost on the sender's CPU after TCP
// itself. A netdev ingress chain drops those frames for the kernel; packet
// taps (ours, tcpdump, ./dump) have had their copy by then, since the
// kernel delivers to them before its ingress hooks:
//
//   table netdev ustack_<pid> {
//     chain in0 { type filter hook ingress device "IFNAME" priority 0;
//                    ip daddr OUR_ADDRESS drop } }
//
// Only our own address is dropped; the kernel's other traffic on the
// interface (its own addresses, ARP) is untouched. The guard is an
// optimisation: where nft is missing or refuses, the stack runs without it
// and says so in one line. Removed on exit, like the raw-mode firewall; a
// table left by a killed run is removed at the next start.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace os {

class IngressGuard {
public:
    struct Interface {
        std::string name;
        std::uint32_t addr = 0;  // ours on it
    };
    // nullptr (and one line at info saying why) when nft cannot do it.
    static std::unique_ptr<IngressGuard> install(const std::vector<Interface>& ifaces);
    ~IngressGuard();  // remove()
    IngressGuard(const IngressGuard&) = delete;
    IngressGuard& operator=(const IngressGuard&) = delete;

    // Deletes the table now (idempotent; safe from a signal-watching thread).
    void remove();
    const std::string& table() const { return table_; }

    // The nft script for `ifaces` in table `table` (for the tests).
    static std::string rules(const std::string& table, const std::vector<Interface>& ifaces);

private:
    explicit IngressGuard(std::string table) : table_(std::move(table)) {}

    const std::string table_;
    std::mutex mu_;
    bool installed_ = false;
};

}  // namespace os
