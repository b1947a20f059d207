#!/usr/bin/env bash
# End-to-end benchmark, printed as ratios against the kernel's own TCP in the
# same run (never a test; numbers vary with the machine): 50 MB echoed
# through our server in raw mode vs through a kernel echo server (socat with
# EXEC:cat, so the kernel side pays for a pipe and a cat process too), on
# a loopback with MTU 1500 so both use MSS 1460, in a namespace of its own;
# then the server's peak memory with 100 connections open.
set -u
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: needs root (raw sockets, namespaces); skipped"; exit 0; }
for c in ip socat python3; do command -v $c >/dev/null || { echo "bench: needs $c"; exit 1; }; done
NS="ustk-bench-$$"
TMP=$(mktemp -d /tmp/ustk-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link set lo mtu 1500
ip netns exec "$NS" ethtool -K lo tso off gso off >/dev/null 2>&1

ip netns exec "$NS" ./server --port 8080 --log-level warning >"$TMP/srv.out" 2>"$TMP/srv.err" &
SRV=$!
PIDS+=($SRV)
ip netns exec "$NS" socat TCP-LISTEN:9007,reuseaddr,fork EXEC:cat 2>/dev/null &
PIDS+=($!)
for _ in $(seq 100); do grep -q "^listening on" "$TMP/srv.out" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 50); do ip netns exec "$NS" ss -ltn | grep -q ':9007 ' && break; sleep 0.1; done

BYTES=50000000
rate() { sed -nE 's/.* in ([0-9.]+) s .*/\1/p'; }
echo "== echo throughput, $((BYTES / 1000000)) MB through one connection (3 runs each)"
for i in 1 2 3; do
    ours=$(ip netns exec "$NS" python3 tests/integration/echo_check.py bulk 127.0.0.1 8080 $BYTES | rate)
    kern=$(ip netns exec "$NS" python3 tests/integration/echo_check.py bulk 127.0.0.1 9007 $BYTES | rate)
    awk -v o="$ours" -v k="$kern" -v b=$BYTES 'BEGIN {
        printf "  run: ustack %6.1f MB/s   kernel %6.1f MB/s   ratio %.2f\n", b/o/1e6, b/k/1e6, k/o }'
done

echo "== memory: the server's peak RSS with 100 concurrent echo connections"
ip netns exec "$NS" python3 tests/integration/echo_check.py many 127.0.0.1 8080 100 >/dev/null
hwm=$(awk '/VmHWM/ {print $2}' /proc/$SRV/status)
echo "  ustack server VmHWM: ${hwm} kB (send + receive buffers: 2 x 256 KiB per connection, allocated once)"
