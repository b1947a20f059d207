#include "os/firewall.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "base/addr.hpp"
#include "base/log.hpp"
#include "os/nft.hpp"

namespace os {

namespace {

void check(const ProcessResult& r, const std::string& what) {
    if (r.status == 0) return;
    if (r.status == -1 && r.output.find("No such file") != std::string::npos)
        throw FirewallError(
            "the nft command is missing: install nftables (make deps) or run with --no-firewall");
    throw FirewallError(what + " failed: " + first_line(r.output));
}

// The set a lease's early-drop element goes into, and the element: a lease
// on every address (0) is a port of `any`, one on a single address a pair
// of `ours`.
const char* early_set(std::uint32_t addr) { return addr == 0 ? "any" : "ours"; }
std::string element(std::uint32_t addr, std::uint16_t port) {
    return addr == 0 ? std::to_string(port) : base::addr_to_string(addr) + " . " + std::to_string(port);
}

// ip(7)'s RFC 1122 3.3.6 option drop_unicast_in_l2_multicast drops a
// unicast datagram whose packet type is broadcast before any socket sees
// it: with it on anywhere the early drop would hide our segments from us too.
bool early_drop_works() {
    for (const char* conf : {"all", "default", "lo"}) {
        std::ifstream f(std::string("/proc/sys/net/ipv4/conf/") + conf + "/drop_unicast_in_l2_multicast");
        int on = 0;
        if (f >> on && on != 0) return false;
    }
    return true;
}

}  // namespace

int Firewall::remove_stale_tables() { return remove_stale_nft_tables(); }

Firewall::Firewall(std::string table, std::uint32_t mark) : table_(std::move(table)), mark_(mark) {}

std::unique_ptr<Firewall> Firewall::install(std::uint32_t mark) {
    remove_stale_tables();
    std::unique_ptr<Firewall> fw(new Firewall(kNftPrefix + std::to_string(getpid()), mark));
    fw->early_ = early_drop_works();
    std::ostringstream rules;
    rules << replace_table("inet", fw->table_) << "table inet " << fw->table_ << " {\n"
          << "  set ports { type inet_service; }\n"
          << "  set any { type inet_service; }\n"
          << "  set ours { type ipv4_addr . inet_service; }\n"
          << "  chain output {\n"
          << "    type filter hook output priority 0; policy accept;\n"
          // Our own packets, the most, fail the first test (the cheapest).
          << "    meta mark != 0x" << std::hex << mark << std::dec
          << " tcp flags & rst == rst tcp sport @ports drop\n"
          << "  }\n";
    if (fw->early_)
        rules << "  chain prerouting {\n"
              << "    type filter hook prerouting priority 0; policy accept;\n"
              // One bitmap lookup, which most packets fail: `ports` holds
              // every port of `any` and of `ours`.
              << "    tcp dport @ports jump to_us\n"
              << "  }\n"
              << "  chain to_us {\n"
              // The kernel sends to lo what its local routes send there, so
              // a segment that came in on lo is for a local address and
              // needs no route lookup (one that is not would not be
              // delivered to any socket, ours included, so its mark does
              // nothing); from elsewhere the FIB says whether it is ours.
              << "    iif lo tcp dport @any meta pkttype set broadcast accept\n"
              << "    tcp dport @any fib daddr type local meta pkttype set broadcast accept\n"
              << "    ip daddr . tcp dport @ours meta pkttype set broadcast\n"
              << "  }\n";
    rules << "}\n";
    check(nft({"-f", "-"}, rules.str()), "installing nftables table inet " + fw->table_);
    fw->installed_ = true;
    fw->worker_ = std::thread([f = fw.get()] { f->worker(); });
    LOG(stack, debug) << "firewall: installed nftables table inet " << fw->table_;
    return fw;
}

void Firewall::announce() {
    std::lock_guard lk(mu_);
    if (!installed_ || announced_) return;
    announced_ = true;
    LOG(stack, info) << "firewall: installed nftables table inet " << table_
                     << ": drops TCP RSTs from our ports that lack our mark 0x" << std::hex << mark_
                     << std::dec
                     << (early_ ? " and keeps the kernel's TCP from seeing segments to them" : "")
                     << ", because in raw mode the kernel also sees our segments and would reset "
                        "our connections (--no-firewall turns this off)";
}

Firewall::~Firewall() { remove(); }

void Firewall::add_port(std::uint32_t addr, std::uint16_t port) {
    std::string script;
    {
        std::lock_guard lk(mu_);
        if (!installed_) return;
        if (refs_[port]++ == 0)
            script += "add element inet " + table_ + " ports { " + std::to_string(port) + " }\n";
        if (pair_refs_[{addr, port}]++ == 0)
            script += "add element inet " + table_ + " " + early_set(addr) + " { " +
                      element(addr, port) + " }\n";
    }
    if (script.empty()) return;
    // The app thread that asked waits here; the event loop never calls this.
    const auto r = nft({"-f", "-"}, script);
    if (r.status != 0) {
        std::lock_guard lk(mu_);
        --refs_[port];
        --pair_refs_[{addr, port}];
        check(r, "adding port " + std::to_string(port) + " to nftables table inet " + table_);
    }
    LOG(stack, debug) << "firewall: port " << base::endpoint_to_string(addr, port) << " added to inet "
                      << table_;
}

void Firewall::release_port(std::uint32_t addr, std::uint16_t port, std::function<void()> then) {
    {
        std::lock_guard lk(mu_);
        const bool last_port = installed_ && refs_.count(port) && --refs_[port] == 0;
        if (last_port) refs_.erase(port);
        const std::pair<std::uint32_t, std::uint16_t> key{addr, port};
        const bool last_pair = installed_ && pair_refs_.count(key) && --pair_refs_[key] == 0;
        if (last_pair) pair_refs_.erase(key);
        if (last_port || last_pair) {
            releases_.push_back({addr, port, last_port, last_pair, std::move(then)});
            cv_.notify_one();
            return;
        }
    }
    if (then) then();
}

// Takes ports out of the set in batches, one nft run per batch, so the event
// loop never waits for a child process.
void Firewall::worker() {
    std::unique_lock lk(mu_);
    for (;;) {
        cv_.wait(lk, [&] { return stopping_ || !releases_.empty(); });
        if (releases_.empty()) return;
        std::deque<Release> batch;
        batch.swap(releases_);
        const bool live = installed_ && !stopping_;  // the whole table goes soon anyway
        lk.unlock();
        if (live) {
            std::map<std::string, std::string> sets;  // set -> its elements to delete
            auto put = [&](const std::string& set, const std::string& e) {
                sets[set] += (sets[set].empty() ? "" : ", ") + e;
            };
            for (const auto& b : batch) {
                if (b.port_set) put("ports", std::to_string(b.port));
                if (b.pair_set) put(early_set(b.addr), element(b.addr, b.port));
            }
            std::string script, ports = sets["ports"];
            for (const auto& [set, elems] : sets)
                if (!elems.empty()) script += "delete element inet " + table_ + " " + set + " { " + elems + " }\n";
            const auto r = nft({"-f", "-"}, script);
            if (r.status != 0) {
                LOG(stack, warning) << "firewall: removing ports { " << ports << " }: " << first_line(r.output);
            }
        }
        for (auto& b : batch)
            if (b.then) b.then();
        lk.lock();
    }
}

void Firewall::remove() {
    std::lock_guard once(remove_mu_);  // the signal thread and a destructor may race
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
        cv_.notify_one();
    }
    if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
    std::lock_guard lk(mu_);
    if (!installed_) return;
    installed_ = false;
    const auto r = nft({"delete", "table", "inet", table_});
    if (r.status == 0 && announced_) {
        LOG(stack, info) << "firewall: removed nftables table inet " << table_;
    } else if (r.status == 0) {
        LOG(stack, debug) << "firewall: removed nftables table inet " << table_;
    } else {
        LOG(stack, warning) << "firewall: removing table inet " << table_ << ": " << first_line(r.output);
    }
}

}  // namespace os
