#!/usr/bin/env bash
# Linux's own TCP as the peer: nc and a python client against our server,
# 100 concurrent kernel clients against one server, and our client against a
# kernel echo server (socat).
source "$(dirname "$0")/common.bash" nc python3 socat
start_server srv --log-level warning

out=$(printf 'from nc 1\nfrom nc 2\n' | timeout 10 ip netns exec "$NS" nc -N 127.0.0.1 8080) || fail "nc exited $?"
[ "$out" = $'from nc 1\nfrom nc 2' ] || fail "nc got '$out'"
echo "nc -> our server: echoed"

out=$(timeout 10 ip netns exec "$NS" python3 tests/integration/echo_check.py lines 127.0.0.1 8080) ||
    fail "python client exited $?"
[ "$out" = $'python says hi\nsecond line' ] || fail "python got '$out'"
echo "python socket -> our server: echoed"

timeout 120 ip netns exec "$NS" python3 tests/integration/echo_check.py many 127.0.0.1 8080 100 ||
    fail "100 concurrent kernel clients"

# Our client -> a kernel echo server.
ip netns exec "$NS" socat TCP-LISTEN:9007,reuseaddr,fork EXEC:cat 2>"$TMP/socat.err" &
PIDS+=($!)
for _ in $(seq 50); do in_ns ss -ltn | grep -q ':9007 ' && break; sleep 0.1; done
seq 1 100 | sed 's/^/line /' >"$TMP/in.txt"
timeout 30 ip netns exec "$NS" ./client 127.0.0.1 9007 <"$TMP/in.txt" >"$TMP/out.txt" 2>"$TMP/client.err" ||
    fail "our client to socat exited $?"
cmp "$TMP/in.txt" "$TMP/out.txt" || fail "socat echo differs"
echo "our client -> kernel echo server (socat): 100 lines byte-exact"

stop_server "$SERVER_PID" INT || fail "server exit status $?"
assert_no_tables "after kernel_peers"
echo "kernel_peers: ok"
