#include "os/nft.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

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

int remove_stale_nft_tables(const std::string& family) {
    const auto list = nft({"list", "tables", family});
    if (list.status != 0) return 0;
    int removed = 0;
    std::istringstream in(list.output);
    std::string word, fam, name;
    while (in >> word >> fam >> name) {  // "table inet ustack_1234"
        if (word != "table" || fam != family || name.rfind(kNftPrefix, 0) != 0) continue;
        const std::string digits = name.substr(kNftPrefix.size());
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const long pid = std::stol(digits);
        if (pid == getpid()) continue;
        if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
        if (nft({"delete", "table", family, name}).status == 0) {
            LOG(stack, info) << "firewall: removed stale nftables table " << family << " " << name
                             << " left by a run that did not exit cleanly (pid " << pid << ")";
            ++removed;
        }
    }
    return removed;
}

}  // namespace os
