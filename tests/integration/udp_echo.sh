#!/usr/bin/env bash
# UDP (RFC 768) in packet mode: `./server --udp` echoes datagrams from the
# kernel's socat (small, and 3000 bytes, which go fragmented both ways), and
# a closed port draws ICMP port unreachable, which the kernel reports to a
# connected UDP socket as ECONNREFUSED (RFC 1122 4.1.3.3).
source "$(dirname "$0")/common.bash" socat python3 tcpdump
source "$(dirname "$0")/lab.bash"
lab_up --net 10.37.0
start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.37.0.2/24 --udp --port 7 --stats

got=$(printf 'udp hello\n' | in_k timeout 5 socat -t 1 - UDP:10.37.0.2:7)
[ "$got" = "udp hello" ] || fail "socat UDP echo got '$got'"
echo "socat: one datagram echoed"
big=$(head -c 3000 /dev/zero | tr '\0' 'x')
got=$(printf '%s' "$big" | in_k timeout 5 socat -t 1 -b 65536 - UDP:10.37.0.2:7)
[ "$got" = "$big" ] || fail "3000-byte datagram came back as ${#got} bytes"
echo "socat: a 3000-byte datagram echoed (fragmented both ways)"

capture_start "$KNS" "$KIF" "$TMP/icmp.pcap" icmp
in_k python3 - <<'PY' || fail "closed UDP port: no ECONNREFUSED"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect(("10.37.0.2", 9))
s.send(b"anyone?")
try:
    s.recv(100)
    raise SystemExit("an answer from a closed port")
except ConnectionRefusedError:
    print("kernel: ECONNREFUSED for UDP port 9")
PY
capture_stop
line=$(tcpdump -n -r "$TMP/icmp.pcap" 2>/dev/null | grep "udp port 9 unreachable")
[ -n "$line" ] || fail "no ICMP port unreachable on the wire"
echo "on the wire: ${line#* }"

# Our client with -u, a stack of its own on the kernel's end of the veth:
# one datagram per read of its input; a closed port is refused (exit 3).
UCLI=(--link packet --ifname "$KIF" --addr 10.37.0.3/24 --mac 02:00:00:00:37:03)
got=$(printf 'from our udp client' | in_k timeout 15 ./client "${UCLI[@]}" -u 10.37.0.2 7) ||
    fail "./client -u exited $?"
[ "$got" = "from our udp client" ] || fail "./client -u got '$got'"
echo "./client -u: a datagram echoed"
rc=0
printf "anyone?" | in_k timeout 15 ./client "${UCLI[@]}" -u 10.37.0.2 9 >/dev/null 2>"$TMP/u9.err" || rc=$?
[ $rc = 3 ] && grep -q '^client: datagram to 10.37.0.2:9 refused' "$TMP/u9.err" ||
    fail "./client -u to a closed port: exit $rc: $(cat "$TMP/u9.err")"
echo "./client -u to a closed port: exit 3: $(cat "$TMP/u9.err")"

stop_server "$BG_PID" INT || fail "server exited with $?"
grep -q "to closed ports 2" "$TMP/server.err" || fail "closed-port counter: $(grep stats "$TMP/server.err")"
echo ok
