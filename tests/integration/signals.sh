#!/usr/bin/env bash
# Nothing of ours stays installed: after SIGINT and after SIGTERM (with a
# client connected) no nftables table of ours remains, and a table left by a
# killed run is removed at the next start.
source "$(dirname "$0")/common.bash" python3

for sig in INT TERM; do
    start_server "srv-$sig" --log-level debug
    [ "$(our_tables)" = 1 ] || fail "server is running but has no nftables table"
    grep -q "firewall: installed nftables table inet ustack_$SERVER_PID" "$TMP/srv-$sig.err" ||
        fail "no one-line log of what was installed"
    # A client connected and idle while the signal arrives.
    ip netns exec "$NS" python3 -c '
import socket, time
s = socket.create_connection(("127.0.0.1", 8080)); s.sendall(b"hi\n"); s.recv(10); time.sleep(30)' &
    PIDS+=($!)
    for _ in $(seq 50); do grep -q "connection from" "$TMP/srv-$sig.err" && break; sleep 0.1; done
    stop_server "$SERVER_PID" "$sig" || fail "server exit status $? after SIG$sig"
    assert_no_tables "after SIG$sig"
    grep -q "firewall: removed nftables table" "$TMP/srv-$sig.err" || fail "removal not logged after SIG$sig"
    echo "SIG$sig: server exited 0, table removed"
done

# The client too: SIGINT while it waits on its terminal input.
start_server srv2 --log-level warning
# Its input is a fifo we hold open, so it waits for input like a terminal.
mkfifo "$TMP/stdin"
ip netns exec "$NS" ./client 127.0.0.1 8080 <"$TMP/stdin" 2>"$TMP/client.err" &
cpid=$!  # ip netns exec execs the client: this is its pid
PIDS+=("$cpid")
exec 3>"$TMP/stdin"

for _ in $(seq 50); do [ "$(our_tables)" = 2 ] && break; sleep 0.1; done
[ "$(our_tables)" = 2 ] || fail "expected the client's and the server's tables"
kill -INT "$cpid"
for _ in $(seq 50); do [ "$(our_tables)" = 1 ] && break; sleep 0.1; done
[ "$(our_tables)" = 1 ] || fail "the client's table is still there after SIGINT"
exec 3>&-
wait "$cpid"; rc=$?
[ "$rc" = 130 ] || fail "client exit status $rc after SIGINT, want 130"
echo "client SIGINT: exit 130, its table removed"
stop_server "$SERVER_PID" TERM || fail "server exit status $?"

# A stale table from a run that was killed (pid 4194304 cannot exist:
# above pid_max's largest value) is removed at the next start.
in_ns nft add table inet ustack_4194304
start_server srv3 --log-level info
grep -q "removed stale nftables table inet ustack_4194304" "$TMP/srv3.err" || fail "stale table not removed"
stop_server "$SERVER_PID" INT || fail "server exit status $?"
assert_no_tables "after the stale-table run"
echo "stale table from a killed run: removed at start"
echo "signals: ok"
