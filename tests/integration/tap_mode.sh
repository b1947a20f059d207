#!/usr/bin/env bash
# Tap mode: our server creates a TAP, gives its kernel side an address and
# answers from its own. From the kernel side: ping (also -s 4000), nc, the
# neighbour table; our client in tap mode reaches a kernel echo server; the
# TAP is gone after SIGTERM.
source "$(dirname "$0")/common.bash" socat nc ss
source "$(dirname "$0")/lab.bash"
lab_up --tap
TAPIF=$LAB-t

start_in "$KNS" server ./server --link tap --ifname "$TAPIF" --tap-host-addr 10.32.0.1/24 \
    --addr 10.32.0.2/24 --mac 02:00:00:00:32:02 --udp
in_k ip -4 addr show "$TAPIF" | grep -q "inet 10.32.0.1/24" || fail "TAP host side has no 10.32.0.1/24: $(in_k ip addr)"

in_k ping -c 3 -i 0.2 -W 2 10.32.0.2 >"$TMP/ping.out" || fail "ping: $(cat "$TMP/ping.out")"
in_k ping -c 2 -i 0.2 -W 2 -s 4000 10.32.0.2 >"$TMP/ping4k.out" || fail "ping -s 4000: $(cat "$TMP/ping4k.out")"
grep -q "4008 bytes from 10.32.0.2" "$TMP/ping4k.out" || fail "ping -s 4000: $(cat "$TMP/ping4k.out")"
echo "kernel pinged the stack through the TAP, 56 and 4000 bytes"
in_k ip neigh show 10.32.0.2 | grep -q "lladdr 02:00:00:00:32:02" || fail "neighbour table: $(in_k ip neigh)"
echo "kernel neighbour table: $(in_k ip neigh show 10.32.0.2)"

got=$(printf 'hello over tap\n' | in_k timeout 10 nc -N 10.32.0.2 8080)
[ "$got" = "hello over tap" ] || fail "nc got '$got'"
echo "nc exchanged a line with our server"

# Our client in tap mode, with a TAP of its own on another network.
kernel_echo "$KNS" 7002
got=$(printf 'from our tap client\n' | in_k timeout 15 ./client --link tap --ifname "$LAB-c" \
      --tap-host-addr 10.33.0.1/24 --addr 10.33.0.2/24 10.33.0.1 7002)
[ "$got" = "from our tap client" ] || fail "our client got '$got'"
in_k ip link show "$LAB-c" >/dev/null 2>&1 && fail "the client's TAP outlived it"
echo "our client (tap mode) reached a kernel echo server; its TAP is gone"

stop_server "$BG_PID" TERM || fail "server exited with $?"
in_k ip link show "$TAPIF" >/dev/null 2>&1 && fail "TAP $TAPIF left behind after SIGTERM"
echo "ok: TAP removed on SIGTERM"
