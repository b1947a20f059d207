#!/usr/bin/env bash
# RFC 863 discard and RFC 867 daytime, answered to nc and to our client.
source "$(dirname "$0")/common.bash" nc
start_server srv --discard 9 --daytime 13 --log-level debug

date_re='^[A-Z][a-z]+day, [A-Z][a-z]+ [0-9]{2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}-'

# daytime to nc: exactly one line of date and time, then the server closes.
# (-d: nc sends nothing and waits for the server's FIN.)
out=$(timeout 10 ip netns exec "$NS" nc -d 127.0.0.1 13) || fail "nc to daytime failed"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "daytime sent more than one line: $out"
[[ "$out" =~ $date_re ]] || fail "daytime line does not look like a date: $out"
echo "daytime to nc: $out"
# RFC 867: the server closes first, so its side walks FIN-WAIT-1/2 and TIME-WAIT.
sleep 0.2
grep -q "FIN-WAIT-2 -> TIME-WAIT\|CLOSING -> TIME-WAIT" "$TMP/srv.err" ||
    fail "the daytime server did not close first (no TIME-WAIT in its log)"

# daytime to our client (stdin held open so that the server closes first).
out=$( (sleep 2) | timeout 10 ip netns exec "$NS" ./client --log-level info 127.0.0.1 13 2>"$TMP/client.err") ||
    fail "our client to daytime exited $?"
[[ "$out" =~ $date_re ]] || fail "our client printed no date from daytime: $out"
grep -q "ESTABLISHED -> CLOSE-WAIT" "$TMP/client.err" || fail "daytime did not close first to our client"
echo "daytime to our client: $out"

# discard to nc: data goes in, nothing comes back, the close is clean.
out=$(head -c 200000 /dev/urandom | timeout 10 ip netns exec "$NS" nc -N 127.0.0.1 9 | wc -c) ||
    fail "nc to discard failed"
[ "$out" = 0 ] || fail "discard sent $out bytes back"
# discard to our client: lines sent, no replies printed, exit 0 after the close.
out=$(printf 'one\ntwo\nthree\n' | timeout 10 ip netns exec "$NS" ./client 127.0.0.1 9 2>"$TMP/client2.err") ||
    fail "our client to discard exited $?"
[ -z "$out" ] || fail "discard answered our client: $out"
grep -q "discard: connection from" "$TMP/srv.err" || fail "server did not log the discard connections"
echo "discard: nc and our client sent data, nothing came back"

stop_server "$SERVER_PID" INT || fail "server exit status $? after SIGINT"
assert_no_tables "after the services test"
echo "services: ok"
