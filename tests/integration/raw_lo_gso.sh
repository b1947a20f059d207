#!/usr/bin/env bash
# Raw mode toward a local address sends TCP super-segments as frames on lo
# (an AF_PACKET socket with a virtio_net_hdr), which lo cuts into pieces of
# one MSS, as the kernel's own TCP does with GSO. On a lo of MTU 1500 with
# its segmentation offloads off, a kernel client echoes 4 MB through our
# server and must get every byte back; --stats must count super-segments
# (tx_gso), and the kernel must have been made to take such frames (lo's
# route_localnet and accept_local on). With --no-loopback-gso the same echo
# goes one segment per packet, and lo's settings are left as they were.
# Turned off while the server runs, they no longer cost its connections
# their super-segments.
source "$(dirname "$0")/common.bash" python3 ethtool

in_ns ip link set lo mtu 1500
in_ns ethtool -K lo tso off gso off >/dev/null 2>&1 || fail "cannot switch segmentation offloads off on lo"

echo_4mb() {
    timeout 30 ip netns exec "$NS" /usr/bin/env python3 -c '
import socket, threading
data = bytes((i * 131 + (i >> 11)) & 0xff for i in range(4 << 20))
s = socket.create_connection(("127.0.0.1", 8080), timeout=20)
t = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
t.start()
got = bytearray()
while True:
    b = s.recv(1 << 20)
    if not b: break
    got += b
t.join()
print("same" if bytes(got) == data else "differs: %d of %d bytes" % (len(got), len(data)))'
}

# link_line: the server's --stats link line after SIGUSR1.
link_line() {
    kill -USR1 "$SERVER_PID"
    for _ in $(seq 50); do grep -q "^link: raw " "$TMP/$1.err" && break; sleep 0.1; done
    grep "^link: raw " "$TMP/$1.err" | tail -1
}
sysctl_lo() { in_ns cat "/proc/sys/net/ipv4/conf/lo/$1"; }
field() { sed -n "s/.* $1:\([0-9]*\).*/\1/p" <<<"$2"; }

in_ns sysctl -q -w net.ipv4.conf.lo.route_localnet=0 net.ipv4.conf.lo.accept_local=0
start_server gso --stats
out=$(echo_4mb) || fail "echo through the server failed"
[ "$out" = same ] || fail "4 MB echo: $out"
line=$(link_line gso)
[ "$(field tx_gso "$line")" -gt 0 ] 2>/dev/null || fail "no super-segment counted: '$line'"
[ "$(field tx_dropped "$line")" = 0 ] || fail "super-segments dropped: '$line'"
[ "$(sysctl_lo route_localnet)/$(sysctl_lo accept_local)" = 1/1 ] ||
    fail "lo's route_localnet/accept_local: $(sysctl_lo route_localnet)/$(sysctl_lo accept_local)"
grep -q "turned on net.ipv4.conf.lo.route_localnet and accept_local" "$TMP/gso.err" ||
    fail "the server did not say it turned lo's settings on"
echo "super-segments on lo: 4 MB echoed byte-exact; $line"
stop_server "$SERVER_PID" INT || fail "server exit status $?"

# Someone turns both off while a connection runs. With tcp_early_demux off
# the kernel's socket has no cached route to spare a frame the input checks
# (with it on, as by default, our frames would still get in), so it drops
# our frames on lo without a word: TCP would resend every super-segment as
# one-MSS retransmissions through the raw socket (8 MB took 9 s, 2,500
# retransmitted). Within a second the server sees it (it says so), and
# super-segments go in pieces of one MSS through the raw socket instead.
in_ns sysctl -q -w net.ipv4.tcp_early_demux=0
start_server off --stats
out=$(timeout 60 ip netns exec "$NS" /usr/bin/env python3 -c '
import socket, threading, time
def echo(s, data):
    t = threading.Thread(target=s.sendall, args=(data,))
    t.start()
    got = bytearray()
    while len(got) < len(data):
        b = s.recv(1 << 20)
        if not b: break
        got += b
    t.join()
    return bytes(got) == data
s = socket.create_connection(("127.0.0.1", 8080), timeout=20)
first = echo(s, bytes((i * 7) & 0xff for i in range(1 << 20)))
for name in ("route_localnet", "accept_local"):
    with open("/proc/sys/net/ipv4/conf/lo/" + name, "w") as f: f.write("0\n")
time.sleep(1.5)
second = echo(s, bytes((i * 131 + (i >> 11)) & 0xff for i in range(4 << 20)))
print("same" if first and second else "differs: %s %s" % (first, second))') ||
    fail "echo while lo's settings went off failed (timed out?): $out"
[ "$out" = same ] || fail "echo while lo's settings went off: $out"
grep -q "route_localnet or accept_local was turned off" "$TMP/off.err" ||
    fail "the server did not say lo's settings went off"
line=$(link_line off)
[ "$(field tx_gso "$line")" -gt 0 ] 2>/dev/null || fail "no super-segment before the settings went off: '$line'"
stop_server "$SERVER_PID" INT || fail "server exit status $?"
retrans=$(sed -n 's/^tcp: closed .* retrans:\([0-9]*\).*/\1/p' "$TMP/off.err" | tail -1)
[ -n "$retrans" ] || fail "no 'tcp: closed' line in the server's --stats"
[ "$retrans" -lt 50 ] || fail "$retrans segments retransmitted: frames were still put on lo and dropped"
echo "lo's settings off mid-connection: 1 + 4 MB echoed byte-exact, $retrans retransmitted; $line"
in_ns sysctl -q -w net.ipv4.tcp_early_demux=1

in_ns sysctl -q -w net.ipv4.conf.lo.route_localnet=0 net.ipv4.conf.lo.accept_local=0
start_server plain --stats --no-loopback-gso
out=$(echo_4mb) || fail "echo through the --no-loopback-gso server failed"
[ "$out" = same ] || fail "4 MB echo with --no-loopback-gso: $out"
line=$(link_line plain)
[ "$(field tx_gso "$line")" = 0 ] || fail "--no-loopback-gso, yet super-segments: '$line'"
[ "$(sysctl_lo route_localnet)/$(sysctl_lo accept_local)" = 0/0 ] || fail "--no-loopback-gso changed lo's settings"
echo "--no-loopback-gso: 4 MB echoed byte-exact; $line; lo's settings left at 0/0"
stop_server "$SERVER_PID" INT || fail "server exit status $?"
assert_no_tables "after raw_lo_gso"
echo "raw_lo_gso: ok"
