#include "os/source_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace os {

base::Result<std::uint32_t> kernel_source_for(std::uint32_t dst) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {0, base::Err::Failed};
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(dst);
    sa.sin_port = htons(9);
    base::Result<std::uint32_t> r;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        r.err = base::Err::Unreachable;
    } else {
        socklen_t len = sizeof sa;
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
        r.value = ntohl(sa.sin_addr.s_addr);
    }
    close(fd);
    return r;
}

}  // namespace os
