#!/usr/bin/env bash
# bench/lwip_tap, the lwIP of the bench's lwip mode: it creates its TAP and
# gives the kernel side its address; 2 MB echoed come back byte for byte
# (loadgen compares), 2 MB into discard are consumed to the FIN; a frame
# longer than the MTU (the host side's MTU raised, a 3000 B ping) is
# dropped and counted, and lwIP still echoes after it; SIGTERM ends it with
# its counters and the TAP goes with it.
source "$(dirname "$0")/common.bash" ping
[ -e /dev/net/tun ] || skip "no /dev/net/tun"
make --no-print-directory -s build/bench/lwip_tap build/bench/loadgen >"$TMP/make.out" 2>&1 ||
    fail "cannot build bench/lwip_tap (package liblwip-dev, scripts/deps.sh): $(tail -5 "$TMP/make.out")"
LG=build/bench/loadgen TAPIF=lw$$

start_in "$NS" lwip build/bench/lwip_tap "$TAPIF" 10.34.0.2 10.34.0.1/24 9 7
for _ in $(seq 100); do grep -q '^listening on' "$TMP/lwip.out" && break; sleep 0.1; done
grep -q '^listening on 10.34.0.2' "$TMP/lwip.out" || fail "lwip_tap did not start: $(cat "$TMP/lwip.out")"
in_ns ip -4 addr show "$TAPIF" | grep -q "inet 10.34.0.1/24" || fail "TAP host side: $(in_ns ip addr)"

line=$(in_ns timeout 20 $LG echo 10.34.0.2 7 2000000) || fail "echo: $line"
[[ $line == *"got=2000000 "*"ok=1"* ]] || fail "echo came back wrong: $line"
echo "echo: $line"
line=$(in_ns timeout 20 $LG bulk 10.34.0.2 9 2000000) || fail "bulk: $line"
[[ $line == "bulk bytes=2000000 "* ]] || fail "bulk: $line"
echo "discard: $line"

in_ns ip link set "$TAPIF" mtu 9000
in_ns ping -c 1 -W 1 -s 3000 10.34.0.2 >/dev/null 2>&1 && fail "a 3028 B packet was answered over a 1500 B link"
line=$(in_ns timeout 20 $LG echo 10.34.0.2 7 100000) || fail "echo after the oversize frame: $line"
[[ $line == *"ok=1"* ]] || fail "echo after the oversize frame: $line"

stop_server "$BG_PID" TERM || fail "lwip_tap exited with $?"
grep -E 'dropped: 0 runt, [1-9][0-9]* oversize' "$TMP/lwip.err" || fail "no oversize drop counted: $(cat "$TMP/lwip.err")"
in_ns ip link show "$TAPIF" >/dev/null 2>&1 && fail "TAP $TAPIF left behind"
echo "ok: oversize frame dropped and counted, lwIP answered after it, TAP gone on SIGTERM"
