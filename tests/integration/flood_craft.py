#!/usr/bin/env python3
"""Floods for tests/integration/floods.sh, sent with an AF_PACKET socket on
the kernel's end of the lab's veth, straight at our stack's MAC. Each flood
is bounded in packets and paced, and goes only to the lab's own link.

  flood_craft.py IFNAME OUR_MAC OUR_IP arp N      ARP requests for OUR_IP from N spoofed senders
  flood_craft.py IFNAME OUR_MAC OUR_IP garbage N  N frames of random bytes (random EtherTypes,
                                                  truncated and lying IPv4, TCP and UDP headers)
"""
import os
import random
import socket
import struct
import sys
import time

from craft import checksum


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def arp_request(src_mac, src_ip, dst_ip):
    # RFC 826: Ethernet, IPv4, request, sender, target (target MAC unknown).
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src_mac, src_ip, b"\0" * 6, dst_ip)


def garbage(rng, our_ip):
    kind = rng.randrange(4)
    if kind == 0:  # anything at all
        return 0x0800 if rng.random() < 0.5 else rng.randrange(0x600, 0x10000), os.urandom(rng.randrange(0, 1500))
    # An IPv4 header that is right, then lies in the rest: lengths, IHL, proto.
    proto = rng.choice([1, 6, 17, rng.randrange(256)])
    body = os.urandom(rng.randrange(0, 200))
    total = 20 + len(body) if rng.random() < 0.7 else rng.randrange(0, 65536)
    ihl = 5 if rng.random() < 0.8 else rng.randrange(0, 16)
    src = struct.pack("!I", rng.randrange(1 << 32))
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total & 0xFFFF, rng.randrange(65536),
                    rng.choice([0, 0x4000, 0x2000, rng.randrange(65536)]), 64, proto, 0, src, our_ip)
    if rng.random() < 0.8:
        h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
    return 0x0800, h + body


def main():
    ifname, our_mac, our_ip, kind, n = sys.argv[1], mac_bytes(sys.argv[2]), socket.inet_aton(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    rng = random.Random(20261201)
    net = struct.unpack("!I", our_ip)[0] & 0xFFFFFF00
    for i in range(n):
        if kind == "arp":
            src_mac = bytes([0x02]) + os.urandom(5)
            src_ip = struct.pack("!I", net | rng.randrange(3, 254))
            frame = b"\xff" * 6 + src_mac + struct.pack("!H", 0x0806) + arp_request(src_mac, src_ip, our_ip)
        else:
            etype, payload = garbage(rng, our_ip)
            frame = our_mac + bytes([0x02]) + os.urandom(5) + struct.pack("!H", etype) + payload
        s.send(frame)
        if i % 500 == 499:
            time.sleep(0.01)  # paced: the point is the count, not the rate
    print("sent %d %s frames" % (n, kind))
    return 0


if __name__ == "__main__":
    sys.exit(main())
