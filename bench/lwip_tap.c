// lwip_tap: lwIP (Debian's liblwip, as packaged) behind a TAP, the
// reference `make bench` sets beside our ./server --link tap and the kernel.
//
//   lwip_tap TAPNAME LWIP_ADDR HOST_ADDR/PREFIX DISCARD_PORT ECHO_PORT
//
// Opens TAPNAME (IFF_TAP | IFF_NO_PI, as our --link tap), gives the kernel
// side HOST_ADDR and brings it up, and runs lwIP on the frames with
// LWIP_ADDR: a discard server (RFC 863) on DISCARD_PORT and an echo server
// (RFC 862) on ECHO_PORT, on lwIP's raw/callback API (no tcpip thread, no
// sockets: the fastest path lwIP has). One thread: poll() on the TAP fd,
// every ready frame into ethernet_input(), then the lwIP timers. Prints
// "listening on ..." once up; on SIGTERM or SIGINT, its counters on stderr.
//
// The tuning is what the package was built with (its lwipopts.h; a
// prebuilt library cannot take others, the struct layouts depend on them):
// TCP_MSS 1460, TCP_WND 0xFFFF with LWIP_WND_SCALE (TCP_RCV_SCALE 1, RFC
// 7323 2.2), TCP_SND_BUF = TCP_WND, MEM_LIBC_MALLOC and MEMP_MEM_MALLOC
// (pbufs and PCBs from malloc: no pool to run out of), LWIP_CHECKSUM_ON_COPY.
// What is ours to choose: frames read straight into one PBUF_RAM each (no
// second copy), Nagle off on the echo connections (RFC 1122 4.2.3.4 lets
// an application turn it off; the 64 B ping-pong must not wait for an
// ACK), the window reopened (tcp_recved) as soon as the bytes are consumed.
//
// Bad input (a frame shorter than an Ethernet header, a frame longer than
// the MTU allows) is dropped and counted; lwIP drops and counts its own.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define FRAME_MAX 1518  // 1500 + Ethernet header + one VLAN tag
#define READ_BATCH 64   // frames read before the timers get a turn

static struct {
    unsigned long rx, tx, runt, oversize, rx_nomem, tx_err, accepted, conn_err;
} stats;
static int tap_fd = -1;
static volatile sig_atomic_t stopping;

static void die(const char *what) {
    fprintf(stderr, "lwip_tap: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

// ---- the TAP and the kernel's side of it --------------------------------

static int tap_open(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) die("open /dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (strlen(name) >= IFNAMSIZ) {
        errno = 0;
        die("TAP name too long");
    }
    strcpy(ifr.ifr_name, name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
    return fd;
}

// HOST_ADDR ("a.b.c.d/len") on the kernel's side of the TAP, and the link
// up; the prefix length, which lwIP's address shares.
static int host_side_up(const char *name, const char *cidr) {
    char addr[32];
    const char *slash = strchr(cidr, '/');
    size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
    int len = slash ? atoi(slash + 1) : 24;
    errno = 0;
    if (n >= sizeof addr || len < 1 || len > 32) die("bad HOST_ADDR");
    memcpy(addr, cidr, n);
    addr[n] = 0;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, name);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) die("bad HOST_ADDR");
    if (ioctl(s, SIOCSIFADDR, &ifr) < 0) die("SIOCSIFADDR");
    sin->sin_addr.s_addr = htonl(len == 32 ? 0xffffffffu : ~(0xffffffffu >> len));
    if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0) die("SIOCSIFNETMASK");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die("SIOCGIFFLAGS");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die("SIOCSIFFLAGS");
    close(s);
    return len;
}

// ---- the netif: frames to and from the TAP fd ----------------------------

// One frame to the kernel. LWIP_NETIF_TX_SINGLE_PBUF makes p one buffer;
// a chain (should another build hand one) is copied flat first.
static err_t tap_linkoutput(struct netif *nif, struct pbuf *p) {
    (void)nif;
    unsigned char flat[FRAME_MAX];
    const void *data = p->payload;
    if (p->next) {
        if (p->tot_len > sizeof flat) {
            stats.tx_err++;
            return ERR_BUF;
        }
        pbuf_copy_partial(p, flat, p->tot_len, 0);
        data = flat;
    }
    if (write(tap_fd, data, p->tot_len) != (ssize_t)p->tot_len) {
        stats.tx_err++;  // the TAP's queue is full: lost, as on a wire
        return ERR_OK;
    }
    stats.tx++;
    return ERR_OK;
}

static err_t tap_netif_init(struct netif *nif) {
    static const u8_t mac[6] = {0x02, 0x00, 0x00, 0x4c, 0x77, 0x01};
    nif->name[0] = 't';
    nif->name[1] = 'p';
    nif->output = etharp_output;
    nif->linkoutput = tap_linkoutput;
    nif->mtu = 1500;
    nif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(nif->hwaddr, mac, sizeof mac);
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    return ERR_OK;
}

// Every frame the TAP has ready (up to READ_BATCH), each read straight into
// a pbuf and handed to lwIP. 1 if the fd had more than the batch.
static int tap_input(struct netif *nif) {
    for (int i = 0; i < READ_BATCH; i++) {
        struct pbuf *p = pbuf_alloc(PBUF_RAW, FRAME_MAX + 1, PBUF_RAM);
        if (!p) {
            stats.rx_nomem++;
            return 0;
        }
        ssize_t n = read(tap_fd, p->payload, FRAME_MAX + 1);
        if (n < 0) {
            pbuf_free(p);
            if (errno != EAGAIN && errno != EINTR) die("read TAP");
            return 0;
        }
        if (n < SIZEOF_ETH_HDR || n > FRAME_MAX) {
            n < SIZEOF_ETH_HDR ? stats.runt++ : stats.oversize++;
            if ((stats.runt + stats.oversize) % 1000 == 1)
                fprintf(stderr, "lwip_tap: dropped a %zd-byte frame (%lu runt, %lu oversize so far)\n", n,
                        stats.runt, stats.oversize);
            pbuf_free(p);
            continue;
        }
        pbuf_realloc(p, (u16_t)n);
        stats.rx++;
        if (nif->input(p, nif) != ERR_OK) pbuf_free(p);
    }
    return 1;
}

// ---- discard (RFC 863): every byte consumed, the window reopened ----------

static err_t discard_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
    (void)arg;
    (void)err;
    if (!p) {  // the peer's FIN (RFC 9293 3.10.7.4): close our side too
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        if (tcp_close(pcb) == ERR_OK) return ERR_OK;  // the FIN goes out with this input's ACK
        stats.conn_err++;
        tcp_abort(pcb);
        return ERR_ABRT;  // lwIP's rule: ERR_ABRT only after tcp_abort
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t discard_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
    (void)arg;
    if (err != ERR_OK || !pcb) return ERR_VAL;
    stats.accepted++;
    tcp_recv(pcb, discard_recv);
    return ERR_OK;
}

// ---- echo (RFC 862): what came in goes out, paced by the send buffer ------

// The bytes received and not yet written back. The window is reopened
// (tcp_recved) only for bytes handed to tcp_write, so a peer that sends
// faster than it reads is held back by our receive window (RFC 9293 3.8.6).
struct echo {
    struct pbuf *queue;
    int peer_closed;
};

static void echo_free(struct echo *e) {
    if (e->queue) pbuf_free(e->queue);
    free(e);
}

static err_t echo_close(struct tcp_pcb *pcb, struct echo *e) {
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    echo_free(e);
    if (tcp_close(pcb) == ERR_OK) return ERR_OK;
    stats.conn_err++;
    tcp_abort(pcb);
    return ERR_ABRT;
}

// As much of the queue as the send buffer takes, then our FIN once the
// peer has half-closed and all is sent; ERR_ABRT if the pcb was aborted.
static err_t echo_flush(struct tcp_pcb *pcb, struct echo *e) {
    while (e->queue) {
        struct pbuf *q = e->queue;
        u16_t room = tcp_sndbuf(pcb), n = q->len < room ? q->len : room;
        if (n == 0) break;
        if (tcp_write(pcb, q->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK) break;  // queue full: on sent
        tcp_recved(pcb, n);
        if (n < q->len) {
            pbuf_remove_header(q, n);
            break;
        }
        e->queue = q->next;
        if (e->queue) pbuf_ref(e->queue);  // so that freeing q stops at q
        pbuf_free(q);
    }
    if (!e->queue && e->peer_closed) return echo_close(pcb, e);
    tcp_output(pcb);
    return ERR_OK;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
    struct echo *e = arg;
    (void)err;
    if (!p) {
        e->peer_closed = 1;  // RFC 9293 3.10.7.4: echo the rest, then close
        return echo_flush(pcb, e);
    }
    if (e->queue)
        pbuf_cat(e->queue, p);
    else
        e->queue = p;
    return echo_flush(pcb, e);
}

static err_t echo_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
    (void)len;
    return echo_flush(pcb, arg);
}

static void echo_err(void *arg, err_t err) {  // the pcb is already freed
    (void)err;
    stats.conn_err++;
    if (arg) echo_free(arg);
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err) {
    (void)arg;
    if (err != ERR_OK || !pcb) return ERR_VAL;
    struct echo *e = calloc(1, sizeof *e);
    if (!e) return ERR_MEM;
    stats.accepted++;
    tcp_nagle_disable(pcb);
    tcp_arg(pcb, e);
    tcp_recv(pcb, echo_recv);
    tcp_sent(pcb, echo_sent);
    tcp_err(pcb, echo_err);
    return ERR_OK;
}

static void listen_on(int port, tcp_accept_fn accept) {
    struct tcp_pcb *pcb = tcp_new();
    errno = 0;
    if (!pcb) die("tcp_new");
    if (port < 1 || port > 65535 || tcp_bind(pcb, IP_ADDR_ANY, (u16_t)port) != ERR_OK) die("tcp_bind");
    struct tcp_pcb *l = tcp_listen_with_backlog(pcb, 255);
    if (!l) die("tcp_listen");
    tcp_accept(l, accept);
}

// ---- the loop -------------------------------------------------------------

static void on_signal(int sig) {
    (void)sig;
    stopping = 1;
}

static void run(struct netif *nif) {
    struct pollfd pfd = {.fd = tap_fd, .events = POLLIN};
    while (!stopping) {
        u32_t sleep_ms = sys_timeouts_sleeptime();
        int timeout = sleep_ms > 100 ? 100 : (int)sleep_ms;
        int more = 0;
        if (poll(&pfd, 1, timeout) > 0 && (pfd.revents & POLLIN)) more = tap_input(nif);
        sys_check_timeouts();
        while (more && !stopping) {  // a backlog: drain it before polling again
            more = tap_input(nif);
            sys_check_timeouts();
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: lwip_tap TAPNAME LWIP_ADDR HOST_ADDR/PREFIX DISCARD_PORT ECHO_PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;  // no SA_RESTART: poll() returns EINTR
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    tap_fd = tap_open(argv[1]);
    int len = host_side_up(argv[1], argv[3]);
    ip4_addr_t addr, mask, gw;
    errno = 0;
    if (!ip4addr_aton(argv[2], &addr)) die("bad LWIP_ADDR");
    mask.addr = htonl(len == 32 ? 0xffffffffUL : ~(0xffffffffUL >> len));
    ip4_addr_set_zero(&gw);

    lwip_init();  // NO_SYS style: no tcpip_init, every lwIP call on this thread
    static struct netif nif;
    if (!netif_add(&nif, &addr, &mask, &gw, NULL, tap_netif_init, ethernet_input)) die("netif_add");
    netif_set_default(&nif);
    netif_set_up(&nif);
    listen_on(atoi(argv[4]), discard_accept);
    listen_on(atoi(argv[5]), echo_accept);
    printf("listening on %s: discard %s, echo %s (lwIP %s on %s)\n", argv[2], argv[4], argv[5],
           LWIP_VERSION_STRING, argv[1]);

    run(&nif);
    fprintf(stderr,
            "lwip_tap: rx %lu tx %lu frames; dropped: %lu runt, %lu oversize, %lu no memory; tx errors %lu; "
            "%lu connections, %lu reset or failed\n",
            stats.rx, stats.tx, stats.runt, stats.oversize, stats.rx_nomem, stats.tx_err, stats.accepted,
            stats.conn_err);
    return 0;
}
