#!/usr/bin/env python3
"""Crafts IPv4 fragments toward our stack (tests/integration/reassembly.sh).

  frag_craft.py echo DST     an ICMP echo of 2992 data bytes in fragments sent
                             out of order and overlapping, some overlaps with
                             wrong bytes that must lose to the first copy;
                             exits 0 when the echo reply carries the true data
  frag_craft.py flood DST N  N first fragments of distinct datagrams, never
                             completed (1400 bytes each)
"""
import os
import select
import socket
import struct
import sys
import time

from craft import checksum


def ip_header(src, dst, ident, offset_bytes, more, payload_len, proto=1):
    flags = (0x2000 if more else 0) | (offset_bytes // 8)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident, flags, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:]


def source_for(dst):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((dst, 9))
    return s.getsockname()[0]


def send_fragment(raw, src, dst, ident, whole, begin, end, more, override=None):
    piece = bytearray(whole[begin:end])
    if override:
        lo, hi, byte = override
        for i in range(max(lo, begin), min(hi, end)):
            piece[i - begin] = byte
    raw.sendto(ip_header(src, dst, ident, begin, more, len(piece)) + bytes(piece), (dst, 0))


def echo(dst):
    src = source_for(dst)
    ident = os.getpid() & 0xFFFF
    data = bytes((i * 7 + 3) & 0xFF for i in range(2992))
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + data
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ipid = 0x5A00 | (ident & 0xFF)
    # Last first, then the middle, then an overlap whose new part is true and
    # whose overlap with the middle is 0xEE (must be ignored: RFC 815 holes,
    # first copy kept), then the head overlapping that, then a duplicate
    # of the middle, all wrong bytes.
    send_fragment(raw, src, dst, ipid, icmp, 2400, 3000, False)
    send_fragment(raw, src, dst, ipid, icmp, 1200, 2400, True)
    send_fragment(raw, src, dst, ipid, icmp, 800, 1600, True, (1200, 1600, 0xEE))
    send_fragment(raw, src, dst, ipid, icmp, 1200, 2400, True, (1200, 2400, 0x55))
    send_fragment(raw, src, dst, ipid, icmp, 0, 1000, True)
    deadline = time.time() + 5
    while time.time() < deadline:
        r, _, _ = select.select([rx], [], [], deadline - time.time())
        if not r:
            break
        pkt = rx.recv(65535)
        ihl = (pkt[0] & 0xF) * 4
        typ, code, _, rid, seq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
        if typ == 0 and rid == ident and seq == 1:
            if pkt[ihl + 8:] != data:
                print("echo reply with wrong data")
                return 1
            print("echo reply of %d data bytes, identical to what was sent" % len(data))
            return 0
    print("no echo reply")
    return 1


def flood(dst, n):
    src = source_for(dst)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    chunk = bytes(1400)
    for i in range(n):
        raw.sendto(ip_header(src, dst, i & 0xFFFF, 0, True, len(chunk), proto=17) + chunk, (dst, 0))
        if i % 200 == 199:
            time.sleep(0.01)  # let the veth keep up
    print("sent %d never-completed first fragments (%d KB)" % (n, n * 1420 // 1024))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        sys.exit(echo(sys.argv[2]))
    sys.exit(flood(sys.argv[2], int(sys.argv[3])))
