#!/usr/bin/env bash
# Our client <-> our server, two processes on one host in raw mode: 100
# messages echoed byte-exact, one of them a 64 KiB line; the prompt on a
# terminal, and a server's close noticed there at once (daytime).
source "$(dirname "$0")/common.bash" python3 script
start_server srv --log-level debug --daytime 13

python3 - "$TMP/in.txt" <<'PY'
import random, string, sys
random.seed(4)
with open(sys.argv[1], "w") as f:
    for i in range(100):
        if i == 50:
            f.write("".join(random.choice(string.ascii_letters) for _ in range(64 * 1024)) + "\n")
        else:
            f.write(f"message {i}: " + "".join(random.choice(string.printable[:94]) for _ in range(random.randint(0, 200))) + "\n")
PY
timeout 60 ip netns exec "$NS" ./client --log-level info 127.0.0.1 8080 <"$TMP/in.txt" >"$TMP/out.txt" 2>"$TMP/client.err" ||
    fail "client exited $?"
cmp "$TMP/in.txt" "$TMP/out.txt" || fail "echo differs from what was sent"
echo "100 messages ($(wc -c <"$TMP/in.txt") bytes, one line of 64 KiB) echoed byte-exact"
grep -q "connection from 127.0.0.1:" "$TMP/srv.err" || fail "server did not log 'connection from'"
sleep 0.2
grep -q "closed 127.0.0.1:" "$TMP/srv.err" || fail "server did not log 'closed'"
# The client closed first with FIN and waited for the close to complete.
grep -q "FIN-WAIT-2 -> TIME-WAIT" "$TMP/client.err" || fail "client did not complete an orderly close"

# On a terminal: the prompt and "Server response: ...".
printf 'hello there\nexit\n' >"$TMP/tty.in"
timeout 20 script -qec "ip netns exec $NS ./client 127.0.0.1 8080" /dev/null \
    <"$TMP/tty.in" >"$TMP/tty.out" 2>&1 || fail "interactive client exited $?"
tr -d '\r' <"$TMP/tty.out" >"$TMP/tty.txt"
grep -q "Enter message to send (or 'exit' to quit): " "$TMP/tty.txt" || fail "no prompt on a terminal"
grep -q "Server response: hello there" "$TMP/tty.txt" || fail "no 'Server response:' on a terminal"
echo "terminal mode: prompt and 'Server response: hello there' seen"

# On a terminal, daytime: the server talks and closes while the client
# waits at its prompt for a line that never comes; it says so and ends.
rc=0
(sleep 30) | timeout 20 script -qec "ip netns exec $NS ./client 127.0.0.1 13" /dev/null >"$TMP/day.out" 2>&1 || rc=$?
[ $rc = 0 ] || fail "terminal daytime: exit $rc: $(cat "$TMP/day.out")"
tr -d '\r' <"$TMP/day.out" >"$TMP/day.txt"
grep -Eq '^Server response: [A-Z][a-z]+day, ' "$TMP/day.txt" || fail "terminal daytime: $(cat "$TMP/day.txt")"
grep -q '^server closed the connection$' "$TMP/day.txt" || fail "terminal daytime: no close notice: $(cat "$TMP/day.txt")"
echo "terminal mode, daytime: the reply, then 'server closed the connection', exit 0"

stop_server "$SERVER_PID" TERM || fail "server exit status $? after SIGTERM"
assert_no_tables "after client_server"
echo "client_server: ok"
