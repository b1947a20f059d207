#!/usr/bin/env bash
# Packet mode with the veth's offloads ON (the default on real systems):
# the kernel's TCP and UDP frames reach AF_PACKET with partial
# checksums, marked TP_STATUS_CSUMNOTREADY, and TSO/GSO hands over segments
# larger than the MTU. The stack must accept them: 1 MB through nc, byte
# exact, a UDP echo, and no segment dropped as malformed.
source "$(dirname "$0")/common.bash" nc socat
source "$(dirname "$0")/lab.bash"
lab_up --net 10.38.0 --offload
tx=$(in_k ethtool -k "$KIF" | awk '/^tx-checksumming:/ {print $2}')
[ "$tx" = on ] || skip "tx checksum offload cannot be turned on here"
start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.38.0.2/24 --udp --stats

head -c 1000000 /dev/urandom >"$TMP/big"
in_k timeout 30 nc -N 10.38.0.2 8080 <"$TMP/big" >"$TMP/back" || fail "nc failed"
cmp -s "$TMP/big" "$TMP/back" || fail "1 MB came back different ($(stat -c %s "$TMP/back") bytes)"
echo "1 MB echoed byte-exact with checksum offload on"
got=$(printf 'udp with offload\n' | in_k timeout 5 socat -t 1 - UDP:10.38.0.2:8080)
[ "$got" = "udp with offload" ] || fail "UDP echo got '$got'"
echo "UDP echo with checksum offload on"

stop_server "$BG_PID" INT || fail "server exited with $?"
stats=$(grep "^stats:" "$TMP/server.err")
grep -q "malformed 0" <<<"$stats" || fail "malformed packets: $stats"
echo "$stats"
echo ok
