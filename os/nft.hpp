// The nft(8) command, as the firewall guard (os/firewall) and the ingress
// guard (os/ingress) run it: no shell, and one line of its output for a
// user when it fails.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "os/process.hpp"

namespace os {

// Every table we install is named kNftPrefix + our pid.
inline const std::string kNftPrefix = "ustack_";

ProcessResult nft(std::vector<std::string> args, std::string_view input = {});
std::string first_line(std::string s);
// Deletes every `ustack_<pid>` table, of any family, whose process is gone;
// how many. Looks once a process (a second call does nothing).
int remove_stale_nft_tables();
// The start of an nft script that installs `table` afresh: whatever a table
// of that name held (an earlier run with our pid) goes first.
std::string replace_table(const std::string& family, const std::string& table);

}  // namespace os
