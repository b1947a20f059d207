#!/usr/bin/env bash
# Captures the real packets that tests/unit/captured.hpp holds as byte arrays.
# Two network namespaces joined by a veth pair; every address lives inside
# them, nothing leaves the machine. Transmit checksum offload is off, so the
# TCP/UDP checksums in the capture are the kernel's real ones.
#
#   sudo scripts/capture-wire-vectors.sh OUT_DIR
#
# Writes OUT_DIR/wire.pcap, OUT_DIR/wire.txt (tcpdump -e -vv -xx) and
# OUT_DIR/wire-tshark.txt (tshark -V): the decodes the unit tests check against.
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
mkdir -p "$out"
a=wirecapA$$ b=wirecapB$$
cleanup() {
    [ -n "${tdpid:-}" ] && kill "$tdpid" 2>/dev/null || true
    ip netns del "$a" 2>/dev/null || true
    ip netns del "$b" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$a"
ip netns add "$b"
for ns in "$a" "$b"; do  # no IPv6 chatter (router solicitations) in the capture
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add va netns "$a" address 02:00:00:00:00:0a type veth peer name vb netns "$b" address 02:00:00:00:00:0b
ip -n "$a" addr add 192.0.2.1/24 dev va
ip -n "$b" addr add 192.0.2.2/24 dev vb
for pair in "$a va" "$b vb"; do
    set -- $pair
    ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null
    ip -n "$1" link set "$2" up
    ip -n "$1" link set lo up
done

ip netns exec "$a" tcpdump -i va -n -s 0 -U -w "$out/wire.pcap" 2>/dev/null &
tdpid=$!
sleep 1

A() { ip netns exec "$a" "$@"; }
B() { ip netns exec "$b" "$@"; }
A ping -c1 -W1 192.0.2.2 >/dev/null                 # ARP request/reply, echo request/reply
A ping -c1 -W1 -s 4000 192.0.2.2 >/dev/null         # fragmented echo request (3 fragments each way)
B nc -l 5000 >/dev/null &                            # TCP: handshake, data with timestamps, FIN
sleep 0.3
printf 'hello, tcp\n' | A nc -N 192.0.2.2 5000
wait $!
B nc -u -l -W1 5001 >/dev/null &                     # UDP datagram to a listening port
sleep 0.3
printf 'hello, udp\n' | A nc -u -w1 192.0.2.2 5001
wait $! || true
printf 'closed\n' | A nc -u -w1 192.0.2.2 5999 || true  # ICMP port unreachable back
sleep 0.5
kill "$tdpid"; wait "$tdpid" 2>/dev/null || true; tdpid=

tcpdump -r "$out/wire.pcap" -n -e -vv -xx -tt >"$out/wire.txt" 2>/dev/null
tshark -r "$out/wire.pcap" -V -o tcp.relative_sequence_numbers:FALSE >"$out/wire-tshark.txt" 2>/dev/null
echo "captured $(tcpdump -r "$out/wire.pcap" 2>/dev/null | wc -l) packets into $out"
