#!/usr/bin/env bash
# bench/conns.py around a server in a namespace of its own (raw mode on lo):
#   sudo bench/conns.sh [SERVER-BINARY] [conns.py options...]
#   sudo bench/conns.sh ./server --idle 10000 --rate 2000 --rtt 5000 --bulk 50000000
#   sudo bench/conns.sh kernel ...   # the baseline: bench/kernel_echo.py on the kernel's TCP
set -u
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/conns.sh: needs root (raw sockets, namespaces)"; exit 1; }
SERVER=${1:-./server}
shift || true
NS="ustk-conns-$$"
TMP=$(mktemp -d /tmp/ustk-conns.XXXXXX)
SRV=
cleanup() {
    [ -n "$SRV" ] && { kill -TERM "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
ulimit -n "$(ulimit -Hn)"  # the client holds one fd per idle connection
if [ "$SERVER" = kernel ]; then
    ip netns exec "$NS" python3 bench/kernel_echo.py 8080 >"$TMP/srv.out" 2>"$TMP/srv.err" &
else
    ip netns exec "$NS" "$SERVER" --port 8080 --backlog 4096 --log-level warning >"$TMP/srv.out" 2>"$TMP/srv.err" &
fi
SRV=$!
for _ in $(seq 100); do grep -q "^listening on" "$TMP/srv.out" 2>/dev/null && break; sleep 0.1; done
grep -q "^listening on" "$TMP/srv.out" || { cat "$TMP/srv.err"; exit 1; }
ip netns exec "$NS" python3 bench/conns.py "$SRV" 127.0.0.1 8080 "$@"
