#!/usr/bin/env bash
# `make demo`: our echo server and our client, both on the user-space stack
# in raw mode, in a fresh network namespace (removed on exit), exchanging a
# few messages; then the Linux kernel's own nc talking to the same server.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
NS="ustk-demo-$$"
LOG=$(mktemp -d /tmp/ustk-demo.XXXXXX)
SERVER_PID=""

cleanup() {
    [ -n "$SERVER_PID" ] && $SUDO kill -TERM "$SERVER_PID" 2>/dev/null && sleep 0.3
    $SUDO ip netns del "$NS" 2>/dev/null || true
    rm -rf "$LOG"
}
trap cleanup EXIT

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B='' N=''; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }

step "a network namespace of our own: $NS (only 'lo', nothing leaves it)"
$SUDO ip netns add "$NS"
$SUDO ip -n "$NS" link set lo up

step "sudo ./server   (echo on port 8080; its stdout below, its log further down)"
$SUDO ip netns exec "$NS" ./server --log-level info >"$LOG/server.out" 2>"$LOG/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '^listening on' "$LOG/server.out" 2>/dev/null && break; sleep 0.1; done
cat "$LOG/server.out"
grep 'firewall' "$LOG/server.err" | sed 's/^/  server log: /'

step "printf '...' | sudo ./client 127.0.0.1 8080   (our client, our server)"
printf 'hello from a user-space TCP stack\nthe kernel only routes these packets\nbye\n' |
    $SUDO ip netns exec "$NS" ./client --log-level info 127.0.0.1 8080 2>"$LOG/client.err"
sed 's/^/  client log: /' "$LOG/client.err"

step "the kernel's own TCP as the client: nc 127.0.0.1 8080"
printf 'and hello from nc\n' | $SUDO ip netns exec "$NS" nc -N 127.0.0.1 8080

step "what the server logged"
sleep 0.2
sed 's/^/  server log: /' "$LOG/server.err"

step "Ctrl-C (SIGINT) to the server: it removes its nftables table"
$SUDO kill -INT "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
tail -n 2 "$LOG/server.err" | sed 's/^/  server log: /'
left=$($SUDO ip netns exec "$NS" nft list tables | grep -c ustack_ || true)
echo "nftables tables of ours left: $left"
