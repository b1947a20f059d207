#!/usr/bin/env bash
# ./client as nc is used: byte-exact both ways against a kernel echo
# (socat EXEC:cat): 3 MB of random bytes and CRLF text, compared by sha256;
# daytime without a terminal (it talks first, then closes); -l PORT
# accepting a connection from the kernel's nc; a host name through
# getaddrinfo (/etc/hosts); --version.
source "$(dirname "$0")/common.bash" socat nc sha256sum python3
in_ns socat TCP-LISTEN:9107,reuseaddr,fork EXEC:cat 2>"$TMP/socat.err" &
PIDS+=($!)
for _ in $(seq 50); do in_ns ss -ltn | grep -q ':9107 ' && break; sleep 0.1; done

head -c 3000000 /dev/urandom >"$TMP/rand.bin"
timeout 60 ip netns exec "$NS" ./client 127.0.0.1 9107 <"$TMP/rand.bin" >"$TMP/rand.out" 2>"$TMP/rand.err" ||
    fail "client (random bytes) exited $?"
want=$(sha256sum <"$TMP/rand.bin") got=$(sha256sum <"$TMP/rand.out")
[ "$want" = "$got" ] || fail "3 MB of random bytes: sent $want, got $got ($(wc -c <"$TMP/rand.out") bytes)"
echo "3 MB of random bytes echoed byte-exact (sha256 ${want%% *})"

# CRLF lines, a lone CR, and no newline at the end: nothing added, nothing taken.
python3 -c 'import sys; sys.stdout.buffer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 20000 + b"a\rb\r\n\r\nlast")' >"$TMP/crlf.txt"
timeout 60 ip netns exec "$NS" ./client 127.0.0.1 9107 <"$TMP/crlf.txt" >"$TMP/crlf.out" 2>"$TMP/crlf.err" ||
    fail "client (CRLF) exited $?"
cmp "$TMP/crlf.txt" "$TMP/crlf.out" || fail "CRLF text differs after the echo"
echo "CRLF text ($(wc -c <"$TMP/crlf.txt") bytes, no final newline) echoed byte-exact"

# Daytime: the server talks first and closes; the client ends though its
# input is still open (a pipe that stays silent for 30 s).
start_server srv --daytime 13 --log-level warning
rc=0
(sleep 30) | timeout 20 ip netns exec "$NS" ./client 127.0.0.1 13 >"$TMP/day.out" 2>"$TMP/day.err" || rc=$?
[ $rc = 0 ] || fail "daytime: client exited $rc"
grep -Eq '^[A-Z][a-z]+day, ' "$TMP/day.out" || fail "daytime: got '$(cat "$TMP/day.out")'"
[ "$(tail -c 2 "$TMP/day.out" | od -An -c | tr -d ' ')" = '\r\n' ] || fail "daytime: the CRLF was altered"
echo "daytime without a terminal: '$(tr -d '\r' <"$TMP/day.out")' (CRLF kept), exit 0 with input still open"
stop_server "$SERVER_PID" TERM || fail "server exit status $?"

# -l PORT: one connection from the kernel's nc, bytes both ways.
printf 'from the listener\n' >"$TMP/l.in"
ip netns exec "$NS" ./client -l 9108 <"$TMP/l.in" >"$TMP/l.out" 2>"$TMP/l.err" &
LPID=$!
PIDS+=($LPID)
got=""
for _ in $(seq 50); do
    got=$(printf 'from nc\n' | timeout 5 ip netns exec "$NS" nc -N 127.0.0.1 9108 2>/dev/null) && [ -n "$got" ] && break
    sleep 0.1
done
[ "$got" = "from the listener" ] || fail "-l: nc got '$got'"
rc=0; wait "$LPID" || rc=$?
[ $rc = 0 ] || fail "-l: client exited $rc"
[ "$(cat "$TMP/l.out")" = "from nc" ] || fail "-l: client got '$(cat "$TMP/l.out")'"
echo "-l 9108: exchanged a line each way with nc, exit 0"

# A host name, resolved by getaddrinfo (here from /etc/hosts: localhost).
got=$(printf 'by name\n' | timeout 20 ip netns exec "$NS" ./client localhost 9107 2>"$TMP/name.err") ||
    fail "client localhost exited $?"
[ "$got" = "by name" ] || fail "by name: got '$got'"
rc=0
timeout 20 ip netns exec "$NS" ./client no-such-host.invalid 9107 </dev/null >/dev/null 2>"$TMP/nohost.err" || rc=$?
[ $rc = 1 ] || fail "unknown host: exit $rc, want 1"
grep -q "^client: cannot resolve 'no-such-host.invalid'" "$TMP/nohost.err" || fail "unknown host: $(cat "$TMP/nohost.err")"
echo "host names: localhost resolved; an unknown one: $(cat "$TMP/nohost.err") (exit 1)"

for p in server client ping dump; do
    v=$(./$p --version) || fail "$p --version exited $?"
    grep -Eq "^$p \(ustack\) [0-9]+\.[0-9]+" <<<"$v" || fail "$p --version: '$v'"
done
echo "--version: $(./client --version)"
echo "client_bytes: ok"
