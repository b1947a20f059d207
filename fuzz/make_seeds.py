#!/usr/bin/env python3
"""Writes fuzz/seeds/NAME/ for every fuzz target from the frames the Linux
kernel sent (tests/unit/captured.hpp), cut to what each target takes:

  python3 fuzz/make_seeds.py     # rewrites fuzz/seeds/

fuzz_udp and fuzz_tcp take the pseudo-header's two addresses first;
fuzz_host takes records (fuzz/fuzz_host.cpp): ctl | time | length | body.
"""
import os
import re
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def captured():
    text = open(os.path.join(ROOT, 'tests/unit/captured.hpp')).read()
    out = {}
    for name, body in re.findall(r'(k\w+)\[\] = \{(.*?)\};', text, re.S):
        out[name] = bytes(int(x, 16) for x in re.findall(r'0x([0-9a-f]{2})', body))
    return out


def ip_parts(frame):
    pkt = frame[14:]
    hlen = (pkt[0] & 15) * 4
    return pkt, pkt[hlen:struct.unpack('>H', pkt[2:4])[0]]


def record(ctl, time, body):
    return bytes([ctl, time]) + struct.pack('>H', len(body)) + body


def tcp_body(flags, seqd=0, ackd=0, port=0, data=b''):
    return bytes([flags, seqd & 255, ackd & 255, port, 0xff, 0xff, 0]) + data


def host_seeds(c):
    ipv4 = 2 << 1  # mode 2: IPv4, checksums patched, from B to A
    udp = bytearray(c['kUdpDatagram'][14:])
    udp[20 + 2:20 + 4] = struct.pack('>H', 53)  # to A's UDP socket
    frag = c['kFragmentHeader'][14:] + bytes(64)
    return {
        'ping': record(ipv4, 1, ip_parts(c['kEchoRequest'])[0]),
        'udp': record(ipv4 | 0x40, 2, bytes(udp)),
        'syn_closed_port': record(ipv4, 0, ip_parts(c['kTcpSyn'])[0]),
        'fragment': record(ipv4, 5, frag),
        'arp': record((1 << 1) | (1 << 3) | 0x20, 0,
                      c['kArpRequest'][14:22] + bytes([2, 0, 0, 0, 0, 2, 10, 0, 0, 2]) +
                      bytes(6) + bytes([10, 0, 0, 1])),
        'raw_frame': record(0, 0, c['kEchoReply']),
        'conn_data_fin': record(6 | 0x40, 2, tcp_body(0x18, data=b'abc')) +
                         record(6 | 0xc0, 3, tcp_body(0x11, seqd=3)) +
                         record(6, 6, tcp_body(0x10, seqd=4)),
        'listener_handshake': record(6, 1, tcp_body(0x02, port=1)) +
                              record(6 | 0x40, 2, tcp_body(0x10, port=1)) +
                              record(6 | 0xc0, 2, tcp_body(0x18, port=1, data=b'GET /')),
        'conn_rst': record(6, 0, tcp_body(0x04)),
        # Mode 3 with bit 5: ICMP errors quoting A's segments on the connection.
        'conn_icmp_frag_needed': record(6 | 0x20, 1, bytes([0, 4, 0, 0, 0x02, 0x40])),
        'conn_icmp_port_unreachable': record(6 | 0x20, 1, bytes([0, 3, 0, 0, 0, 0])),
        'conn_icmp_time_exceeded': record(6 | 0x20, 1, bytes([1, 0, 0xff, 0, 0, 0])),
    }


def main():
    c = captured()
    seeds = {'fuzz_ethernet': {}, 'fuzz_arp': {}, 'fuzz_ipv4': {}, 'fuzz_icmp': {},
             'fuzz_udp': {}, 'fuzz_tcp': {}, 'fuzz_host': host_seeds(c)}
    for name, f in c.items():
        seeds['fuzz_ethernet'][name] = f
        if f[12:14] == b'\x08\x06':
            seeds['fuzz_arp'][name] = f[14:]
            continue
        pkt, payload = ip_parts(f)
        seeds['fuzz_ipv4'][name] = pkt
        addrs = pkt[12:20]
        proto = pkt[9]
        if name == 'kFragmentHeader':
            continue
        if proto == 1:
            seeds['fuzz_icmp'][name] = payload
            if name == 'kPortUnreachable':
                seeds['fuzz_ipv4'][name + '_quote'] = payload[8:]
        elif proto == 6:
            seeds['fuzz_tcp'][name] = addrs + payload
        elif proto == 17:
            seeds['fuzz_udp'][name] = addrs + payload
    for target, files in seeds.items():
        d = os.path.join(ROOT, 'fuzz/seeds', target)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            os.remove(os.path.join(d, old))
        for name, data in files.items():
            with open(os.path.join(d, name), 'wb') as fh:
                fh.write(data)


if __name__ == '__main__':
    main()
