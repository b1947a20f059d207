// Running a helper command (nft) without a shell: argv goes straight to
// execvp, so nothing in it is ever interpreted (no shell injection).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace os {

struct ProcessResult {
    int status = -1;     // exit code; -1 if it could not be started or was killed
    std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (looked up in PATH), writes `input` to its stdin, waits for it.
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input = {});

}  // namespace os
