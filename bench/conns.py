#!/usr/bin/env python3
"""The application side of a server, measured from a client (run inside a
namespace, as root, with the server already listening):

  python3 bench/conns.py PID HOST PORT [--idle N] [--rate N] [--rtt N] [--bulk BYTES]

  --idle N   opens N connections and keeps them idle: the time to open them
             all, then the server's VmRSS, VmHWM and Threads (/proc/PID/status);
             --parallel K keeps K connects in flight (default 1: one by one)
  --rate N   N sequential connections, each: connect, 16 B echoed, close
  --rtt N    N round trips of 64 B on one connection (median and p99)
  --bulk B   B bytes echoed through one connection (a sender thread, and the
             reader here), in MB/s

Numbers vary with the machine; this prints them, it asserts nothing."""
import argparse
import resource
import socket
import statistics
import threading
import time


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                out[k] = v.strip()
    return out


def cpu(pid):
    """The server's CPU time so far (user + system, all threads), in seconds:
    steadier than wall time on a loaded machine."""
    import os
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def recv_exact(s, n):
    got = b""
    while len(got) < n:
        b = s.recv(n - len(got))
        if not b:
            raise SystemExit("conns: the server closed early")
        got += b
    return got


def idle(a, pid):
    print(f"server before: {status(pid)}")
    socks = []
    t0 = time.monotonic()
    if a.parallel <= 1:
        for _ in range(a.idle):
            socks.append(socket.create_connection((a.host, a.port), timeout=30))
    else:
        socks = open_parallel(a)
    # Every connection is established on both sides once one byte came back
    # on the last one (the server accepts in order).
    socks[-1].sendall(b"x")
    recv_exact(socks[-1], 1)
    dt = time.monotonic() - t0
    time.sleep(1)
    print(f"idle: {a.idle} connections opened in {dt:.2f} s; server: {status(pid)}")
    for s in socks:
        s.close()


def open_parallel(a):
    import select
    ep = select.epoll()
    pending, done = {}, []
    started = 0
    while len(done) < a.idle:
        while started < a.idle and len(pending) < a.parallel:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((a.host, a.port))
            pending[s.fileno()] = s
            ep.register(s.fileno(), select.EPOLLOUT)
            started += 1
        for fd, _ in ep.poll(30):
            s = pending.pop(fd)
            ep.unregister(fd)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise SystemExit(f"conns: connect failed: {err}")
            s.setblocking(True)
            done.append(s)
    return done


def rate(a):
    msg = b"0123456789abcdef"
    t0 = time.monotonic()
    for _ in range(a.rate):
        s = socket.create_connection((a.host, a.port), timeout=30)
        s.sendall(msg)
        recv_exact(s, len(msg))
        s.close()
    dt = time.monotonic() - t0
    print(f"rate: {a.rate} connections (connect, 16 B echo, close) in {dt:.2f} s: {a.rate / dt:.0f}/s")


def rtt(a):
    s = socket.create_connection((a.host, a.port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b"r" * 64
    times = []
    for _ in range(a.rtt):
        t0 = time.perf_counter()
        s.sendall(msg)
        recv_exact(s, 64)
        times.append(time.perf_counter() - t0)
    s.close()
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    print(f"rtt: {a.rtt} x 64 B: median {statistics.median(times) * 1e6:.0f} us, p99 {p99 * 1e6:.0f} us")


def bulk(a):
    s = socket.create_connection((a.host, a.port), timeout=30)
    chunk = bytes(range(256)) * 256

    def send():
        left = a.bulk
        while left > 0:
            n = min(left, len(chunk))
            s.sendall(chunk[:n])
            left -= n
        s.shutdown(socket.SHUT_WR)

    t0 = time.monotonic()
    th = threading.Thread(target=send)
    th.start()
    got = 0
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        got += len(b)
    th.join()
    dt = time.monotonic() - t0
    s.close()
    if got != a.bulk:
        raise SystemExit(f"conns: {got} bytes came back of {a.bulk}")
    print(f"bulk: {a.bulk} B echoed in {dt:.2f} s: {a.bulk / dt / 1e6:.1f} MB/s")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pid", type=int)
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--idle", type=int, default=0)
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--rate", type=int, default=0)
    p.add_argument("--rtt", type=int, default=0)
    p.add_argument("--bulk", type=int, default=0)
    a = p.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    for name, fn in (("rate", rate), ("rtt", rtt), ("bulk", bulk), ("idle", lambda a: idle(a, a.pid))):
        if getattr(a, name):
            c0 = cpu(a.pid)
            fn(a)
            print(f"  {name}: server CPU {cpu(a.pid) - c0:.2f} s")


if __name__ == "__main__":
    main()
