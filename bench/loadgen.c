// loadgen: the load generator of `make bench`, on plain kernel sockets and
// epoll, so that the load is never the bottleneck. One subcommand per
// figure; each client prints one machine-readable line, "NAME key=value...".
//
//   loadgen sink PORT [ADDR]              discard server (RFC 863), epoll
//   loadgen echod PORT [ADDR]             echo server (RFC 862), epoll
//   loadgen bulk HOST PORT BYTES          write BYTES, half-close, wait for EOF
//   loadgen echo HOST PORT BYTES          write and read BYTES concurrently
//   loadgen rtt HOST PORT COUNT SIZE      SIZE-byte ping-pong, COUNT times
//   loadgen cps HOST PORT SECS PAR [SRC]  connect + 16 B echo + close, PAR threads
//   loadgen idle HOST PORT N HOLD [SRC]   hold N echoed connections HOLD s
//
// SRC, a local address to connect from: a run of many short connections
// leaves as many in TIME-WAIT (RFC 9293 3.6) on its 4-tuples, and the
// next run's connect() would pay for searching past them; from an address
// of its own, a run starts clean.
//
// A client's failure is one line "loadgen: ..." on stderr and exit 1.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "loadgen: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct sockaddr_in addr_of(const char *host, const char *port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(port));
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        errno = 0;
        die("bad address");
    }
    return a;
}

static void set_nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static struct sockaddr_in src_addr;  // sin_family 0: the kernel chooses

// Binds to SRC's address, the port left to connect() (which can then reuse
// a port towards another destination).
static int bind_src(int fd) {
    if (src_addr.sin_family == 0) return 0;
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    return bind(fd, (const struct sockaddr *)&src_addr, sizeof src_addr);
}

// A blocking connected socket, or -1.
static int dial(const struct sockaddr_in *a, int nodelay) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (nodelay) set_nodelay(fd);
    if (bind_src(fd) < 0) {
        close(fd);
        return -1;
    }
    if (connect(fd, (const struct sockaddr *)a, sizeof *a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_exact(int fd, uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void raise_nofile(void) {
    struct rlimit r = {65536, 65536};
    setrlimit(RLIMIT_NOFILE, &r);
}

// ---- servers: one thread, epoll, level-triggered --------------------------

// An echo connection: only what it could not write back yet has memory of
// its own, so an idle connection costs the process a few bytes (its socket
// buffers are the kernel's, outside the process's VmRSS).
struct conn {
    int fd;
    size_t off, len;
    uint8_t *pending;
};

static void close_conn(struct conn *c) {
    close(c->fd);
    free(c->pending);
    free(c);
}

// Writes the rest of a chunk; 1 once nothing is pending.
static int flush_pending(int ep, struct conn *c) {
    ssize_t w = write(c->fd, c->pending + c->off, c->len - c->off);
    if (w < 0 && errno != EAGAIN) return -1;
    if (w > 0) c->off += (size_t)w;
    if (c->off < c->len) return 0;
    free(c->pending);
    c->pending = NULL;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    return 1;
}

static void serve_readable(int ep, struct conn *c, int echo) {
    static uint8_t buf[65536];
    if (c->pending) {
        int r = flush_pending(ep, c);
        if (r < 0) close_conn(c);
        return;
    }
    ssize_t r = read(c->fd, buf, sizeof buf);
    if (r < 0 && errno == EAGAIN) return;
    if (r <= 0) {
        close_conn(c);
        return;
    }
    if (!echo) return;
    ssize_t w = write(c->fd, buf, (size_t)r);
    if (w < 0 && errno != EAGAIN) {
        close_conn(c);
        return;
    }
    if (w < 0) w = 0;
    if (w < r) {  // the rest goes when the socket is writable
        c->pending = malloc((size_t)(r - w));
        memcpy(c->pending, buf + w, (size_t)(r - w));
        c->off = 0;
        c->len = (size_t)(r - w);
        struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    }
}

static __attribute__((noreturn)) void serve(int argc, char **argv, int echo) {
    if (argc < 3) die("usage: sink|echod PORT [ADDR]");
    raise_nofile();
    struct sockaddr_in a = addr_of(argc > 3 ? argv[3] : "0.0.0.0", argv[2]);
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (listen(l, 4096) < 0) die("listen");
    set_nonblock(l);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    printf("listening on %s:%s\n", argc > 3 ? argv[3] : "0.0.0.0", argv[2]);
    fflush(stdout);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; ++i) {
            if (evs[i].data.ptr != NULL) {
                serve_readable(ep, evs[i].data.ptr, echo);
                continue;
            }
            int fd;
            while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                struct conn *c = calloc(1, sizeof *c);
                c->fd = fd;
                struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
            }
        }
    }
}

// ---- bulk and echo: one connection -----------------------------------------

static void fill_pattern(uint8_t *p, size_t n, uint64_t from) {
    for (size_t i = 0; i < n; ++i) p[i] = (uint8_t)((from + i) * 7 + 3);
}

static int bulk(int argc, char **argv) {
    if (argc < 5) die("usage: bulk HOST PORT BYTES");
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    const uint64_t total = strtoull(argv[4], NULL, 10);
    static uint8_t buf[65536];
    fill_pattern(buf, sizeof buf, 0);
    int fd = dial(&a, 0);
    if (fd < 0) die("connect");
    const double t0 = now_s();
    for (uint64_t sent = 0; sent < total;) {
        size_t n = total - sent < sizeof buf ? (size_t)(total - sent) : sizeof buf;
        if (write_all(fd, buf, n) < 0) die("write");
        sent += n;
    }
    shutdown(fd, SHUT_WR);
    while (read(fd, buf, sizeof buf) > 0) {}  // the server's FIN: all was read
    const double secs = now_s() - t0;
    close(fd);
    printf("bulk bytes=%llu secs=%.4f mbps=%.1f\n", (unsigned long long)total, secs,
           (double)total * 8 / secs / 1e6);
    return 0;
}

// Writes and reads at once on one non-blocking socket; checks every byte.
static int echo(int argc, char **argv) {
    if (argc < 5) die("usage: echo HOST PORT BYTES");
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    const uint64_t total = strtoull(argv[4], NULL, 10);
    static uint8_t out[65536], in[65536], want[65536];
    int fd = dial(&a, 0);
    if (fd < 0) die("connect");
    set_nonblock(fd);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    uint64_t sent = 0, got = 0, bad = 0;
    const double t0 = now_s();
    while (got < total) {
        if (epoll_wait(ep, &ev, 1, 10000) <= 0) die("echo: no progress in 10 s");
        if (sent < total && (ev.events & EPOLLOUT)) {
            size_t n = total - sent < sizeof out ? (size_t)(total - sent) : sizeof out;
            fill_pattern(out, n, sent);
            ssize_t w = write(fd, out, n);
            if (w < 0 && errno != EAGAIN) die("write");
            if (w > 0) sent += (uint64_t)w;
            if (sent == total) {
                shutdown(fd, SHUT_WR);
                ev.events = EPOLLIN;
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
            }
        }
        ssize_t r = read(fd, in, sizeof in);
        if (r < 0 && errno != EAGAIN) die("read");
        if (r == 0) break;
        if (r > 0) {
            fill_pattern(want, (size_t)r, got);
            if (memcmp(in, want, (size_t)r) != 0) ++bad;
            got += (uint64_t)r;
        }
    }
    const double secs = now_s() - t0;
    close(fd);
    printf("echo bytes=%llu got=%llu secs=%.4f mbps=%.1f ok=%d\n", (unsigned long long)total,
           (unsigned long long)got, secs, (double)got * 8 / secs / 1e6, got == total && bad == 0);
    return got == total && bad == 0 ? 0 : 1;
}

// ---- rtt ---------------------------------------------------------------------

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static int rtt(int argc, char **argv) {
    if (argc < 6) die("usage: rtt HOST PORT COUNT SIZE");
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    const int count = atoi(argv[4]), size = atoi(argv[5]), warm = 200;
    if (count < 1 || size < 1 || size > 65536) die("rtt: bad COUNT or SIZE");
    uint8_t *buf = malloc((size_t)size);
    double *us = malloc(sizeof(double) * (size_t)count);
    memset(buf, 'r', (size_t)size);
    int fd = dial(&a, 1);
    if (fd < 0) die("connect");
    for (int i = -warm; i < count; ++i) {
        const double t0 = now_s();
        if (write_all(fd, buf, (size_t)size) < 0 || read_exact(fd, buf, (size_t)size) < 0) die("rtt: echo");
        if (i >= 0) us[i] = (now_s() - t0) * 1e6;
    }
    close(fd);
    qsort(us, (size_t)count, sizeof *us, cmp_double);
    printf("rtt n=%d size=%d median_us=%.1f p99_us=%.1f p999_us=%.1f min_us=%.1f max_us=%.1f\n", count, size,
           us[count / 2], us[(int)((double)count * 0.99)], us[(int)((double)count * 0.999)], us[0], us[count - 1]);
    return 0;
}

// ---- connections per second ------------------------------------------------

struct cps_arg {
    struct sockaddr_in a;
    double until;
    long ok, errors;
};

// connect + 16 B echo + close, one after the other, until the deadline.
static int one_exchange(const struct sockaddr_in *a) {
    uint8_t buf[16];
    memset(buf, 'c', sizeof buf);
    int fd = dial(a, 1);
    if (fd < 0) return -1;
    int rc = write_all(fd, buf, sizeof buf) == 0 && read_exact(fd, buf, sizeof buf) == 0 ? 0 : -1;
    close(fd);
    return rc;
}

static void *cps_thread(void *p) {
    struct cps_arg *c = p;
    while (now_s() < c->until) {
        if (one_exchange(&c->a) == 0) ++c->ok;
        else ++c->errors;
    }
    return NULL;
}

static int cps(int argc, char **argv) {
    if (argc < 6) die("usage: cps HOST PORT SECS PAR [SRC]");
    if (argc > 6) src_addr = addr_of(argv[6], "0");
    const double secs = atof(argv[4]);
    const int par = atoi(argv[5]);
    if (par < 1 || par > 256 || secs <= 0) die("cps: bad SECS or PAR");
    struct cps_arg args[256];
    pthread_t th[256];
    const double t0 = now_s();
    for (int i = 0; i < par; ++i) {
        args[i] = (struct cps_arg){addr_of(argv[2], argv[3]), t0 + secs, 0, 0};
        pthread_create(&th[i], NULL, cps_thread, &args[i]);
    }
    long ok = 0, errors = 0;
    for (int i = 0; i < par; ++i) {
        pthread_join(th[i], NULL);
        ok += args[i].ok;
        errors += args[i].errors;
    }
    const double took = now_s() - t0;
    printf("cps par=%d conns=%ld errors=%ld secs=%.3f per_s=%.1f\n", par, ok, errors, took, (double)ok / took);
    return 0;
}

// ---- idle: many open connections ----------------------------------------------

// The median time of `k` fresh connect + 16 B echo + close, in microseconds.
static double new_client_us(const struct sockaddr_in *a, int k) {
    double us[64];
    int n = 0;
    for (int i = 0; i < k && i < 64; ++i) {
        const double t0 = now_s();
        if (one_exchange(a) == 0) us[n++] = (now_s() - t0) * 1e6;
    }
    if (n == 0) return -1;
    qsort(us, (size_t)n, sizeof *us, cmp_double);
    return us[n / 2];
}

// Opens `n` connections, at most `window` handshakes at once; each counts
// as open once one byte has come back through the server. Returns how many.
static int open_many(const struct sockaddr_in *a, int n, int *fds, double deadline) {
    const int window = 64;
    int ep = epoll_create1(0), started = 0, done = 0, failed = 0;
    struct epoll_event evs[64];
    while (done + failed < n && now_s() < deadline) {
        while (started < n && started - done - failed < window) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0) return done;
            bind_src(fd);
            connect(fd, (const struct sockaddr *)a, sizeof *a);
            fds[started] = fd;
            struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = (uint64_t)started};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            ++started;
        }
        int k = epoll_wait(ep, evs, 64, 100);
        for (int i = 0; i < k; ++i) {
            const int idx = (int)evs[i].data.u64, fd = fds[idx];
            uint8_t b = 'i';
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
                ++failed;
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            } else if (evs[i].events & EPOLLOUT) {  // connected: send the byte
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)idx};
                if (write(fd, &b, 1) != 1) { ++failed; epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL); continue; }
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
            } else if (read(fd, &b, 1) == 1) {  // echoed: this one is open
                ++done;
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            }
        }
    }
    close(ep);
    return done;
}

static int idle(int argc, char **argv) {
    if (argc < 6) die("usage: idle HOST PORT N HOLD [SRC]");
    if (argc > 6) src_addr = addr_of(argv[6], "0");
    raise_nofile();
    struct sockaddr_in a = addr_of(argv[2], argv[3]);
    const int n = atoi(argv[4]);
    const double hold = atof(argv[5]);
    if (n < 1 || n > 60000) die("idle: bad N");
    int *fds = calloc((size_t)n, sizeof *fds);
    const double before = new_client_us(&a, 21);
    const double t0 = now_s();
    const int opened = open_many(&a, n, fds, t0 + 120);
    const double open_secs = now_s() - t0;
    const double held = new_client_us(&a, 21);
    printf("idle n=%d opened=%d open_secs=%.3f lat_idle_us=%.1f lat_held_us=%.1f\n", n, opened, open_secs,
           before, held);
    printf("holding\n");
    fflush(stdout);
    usleep((useconds_t)(hold * 1e6));
    return opened == n ? 0 : 1;
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    const char *cmd = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "sink")) serve(argc, argv, 0);
    if (!strcmp(cmd, "echod")) serve(argc, argv, 1);
    if (!strcmp(cmd, "bulk")) return bulk(argc, argv);
    if (!strcmp(cmd, "echo")) return echo(argc, argv);
    if (!strcmp(cmd, "rtt")) return rtt(argc, argv);
    if (!strcmp(cmd, "cps")) return cps(argc, argv);
    if (!strcmp(cmd, "idle")) return idle(argc, argv);
    fprintf(stderr, "loadgen: usage: loadgen sink|echod|bulk|echo|rtt|cps|idle ARGS (see bench/loadgen.c)\n");
    return 2;
}
