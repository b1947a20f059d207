#!/usr/bin/env python3
"""A SYN flood and the clients that must get through it (tests/integration/syn_flood.sh).

  syn_flood.py flood DST PORT NET COUNT SECONDS
        COUNT SYNs to DST:PORT from spoofed addresses NET.100 .. NET.249
        (random ports and ISNs), spread over SECONDS, through a raw socket
        with IP_HDRINCL; prints how many went out
  syn_flood.py clients DST PORT N SECONDS
        N kernel clients, one after another for about SECONDS: connect, send
        a line, read the echo, close; prints "ok K of N"
"""
import random
import socket
import struct
import sys
import time

from craft import checksum


def syn(src, dst, sport, dport, isn):
    # RFC 9293 3.1: a SYN with an MSS option (RFC 9293 3.2), no payload.
    opts = struct.pack("!BBH", 2, 4, 1460)
    off = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, isn, 0, off << 4, 0x02, 65535, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.randrange(65536), 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def flood(dst, port, net, count, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    gap = seconds / count
    start = time.monotonic()
    for i in range(count):
        src = f"{net}.{100 + i % 150}"
        s.sendto(syn(src, dst, random.randrange(1024, 65536), port, random.randrange(1 << 32)), (dst, 0))
        delay = start + (i + 1) * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(f"sent {count} spoofed SYNs in {time.monotonic() - start:.1f} s")


def clients(dst, port, n, seconds):
    ok = 0
    for i in range(n):
        line = f"client {i} through the flood\n".encode()
        try:
            with socket.create_connection((dst, port), timeout=10) as c:
                c.sendall(line)
                got = b""
                while len(got) < len(line):
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    got += chunk
                if got == line:
                    ok += 1
                else:
                    print(f"client {i}: echo {got!r}", file=sys.stderr)
        except OSError as e:
            print(f"client {i}: {e}", file=sys.stderr)
        time.sleep(seconds / n)
    print(f"ok {ok} of {n}")


if __name__ == "__main__":
    if sys.argv[1] == "flood":
        flood(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))
    elif sys.argv[1] == "clients":
        clients(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(__doc__)
