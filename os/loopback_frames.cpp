#include "os/loopback_frames.hpp"

#include <fstream>
#include <vector>

namespace os {

namespace {

const char* const kSettings[] = {"route_localnet", "accept_local"};

std::string path_of(const std::string& name) { return "/proc/sys/net/ipv4/conf/lo/" + name; }

bool is_on(const std::string& name) {
    std::ifstream f(path_of(name));
    int v = 0;
    return f >> v && v != 0;
}

std::vector<std::string> turned;  // by this process
std::string refused;              // the one it could not turn on

}  // namespace

bool allow_loopback_frames() {
    for (const char* name : kSettings) {
        if (is_on(name)) continue;
        std::ofstream f(path_of(name));
        f << "1\n";
        f.close();
        if (!is_on(name)) {
            refused = name;
            return false;
        }
        turned.push_back(name);
    }
    return true;
}

bool loopback_frames_allowed() {
    for (const char* name : kSettings)
        if (!is_on(name)) return false;
    return true;
}

std::string loopback_frames_note() {
    if (!refused.empty())
        return "raw: could not turn on net.ipv4.conf.lo." + refused +
               ": TCP to local addresses goes one segment per packet";
    if (turned.empty()) return "";
    std::string which = "net.ipv4.conf.lo." + turned[0];
    if (turned.size() > 1) which += " and " + turned[1];
    return "raw: turned on " + which +
           " so that the kernel takes the TCP super-segments we send to local addresses as frames "
           "on lo (--no-loopback-gso leaves lo alone)";
}

}  // namespace os
