#include "os/nft.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <sstream>
#include <utility>
#include <vector>

#include "base/log.hpp"

namespace os {

ProcessResult nft(std::vector<std::string> args, std::string_view input) {
    args.insert(args.begin(), "nft");
    return run_process(args, input);
}

std::string first_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (auto nl = s.find('\n'); nl != std::string::npos) s = s.substr(0, nl);
    return s;
}

int remove_stale_nft_tables() {
    // Once a process: every family in one listing, every stale table in one run.
    static std::atomic<bool> done{false};
    if (done.exchange(true)) return 0;
    const auto list = nft({"list", "tables"});
    if (list.status != 0) return 0;
    std::string script;
    std::vector<std::pair<std::string, long>> gone;  // "inet ustack_1234", pid
    std::istringstream in(list.output);
    std::string word, family, name;
    while (in >> word >> family >> name) {  // "table inet ustack_1234"
        if (word != "table" || name.rfind(kNftPrefix, 0) != 0) continue;
        const std::string digits = name.substr(kNftPrefix.size());
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const long pid = std::stol(digits);
        if (pid == getpid()) continue;
        if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
        script += "delete table " + family + " " + name + "\n";
        gone.emplace_back(family + " " + name, pid);
    }
    if (gone.empty()) return 0;
    const auto r = nft({"-f", "-"}, script);
    if (r.status != 0) {
        LOG(stack, warning) << "firewall: removing stale tables: " << first_line(r.output);
        return 0;
    }
    for (const auto& [table, pid] : gone)
        LOG(stack, info) << "firewall: removed stale nftables table " << table
                         << " left by a run that did not exit cleanly (pid " << pid << ")";
    return static_cast<int>(gone.size());
}

std::string replace_table(const std::string& family, const std::string& table) {
    // "add" makes it if it is missing, so the delete never fails: a table
    // of this name from an earlier run with our pid would merge with ours.
    return "add table " + family + " " + table + "\ndelete table " + family + " " + table + "\n";
}

}  // namespace os
