#!/usr/bin/env bash
# SYN cookies (RFC 4987 3.3) against a real flood: our server in packet mode
# with a small backlog (SYN queue 16), 3000 spoofed SYNs within 5 s from
# addresses of the lab subnet nobody has (so the SYN-ACKs never leave: ARP
# for them goes unanswered, and the half-open entries fill the SYN queue),
# sent by the kernel namespace through a raw socket, while kernel clients
# connect, echo a line and close. Every client must get through, by cookie;
# the server's --stats must show the cookies.
source "$(dirname "$0")/common.bash" python3
source "$(dirname "$0")/lab.bash"
lab_up --net 10.41.0

start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.41.0.2/24 --backlog 4 --stats
# The kernel learns our MAC before the flood starts.
in_k ping -c 1 -W 2 10.41.0.2 >/dev/null || fail "kernel cannot ping the stack"

in_k python3 tests/integration/syn_flood.py flood 10.41.0.2 8080 10.41.0 3000 5 >"$TMP/flood.out" 2>"$TMP/flood.err" &
FLOOD=$!
PIDS+=("$FLOOD")
sleep 0.5  # let the flood fill the SYN queue first
in_k timeout 60 python3 tests/integration/syn_flood.py clients 10.41.0.2 8080 20 4 >"$TMP/clients.out" 2>"$TMP/clients.err"
wait "$FLOOD" || fail "flood: $(cat "$TMP/flood.err")"
cat "$TMP/flood.out"
result=$(cat "$TMP/clients.out")
echo "kernel clients through the flood: $result"

stop_server "$BG_PID" INT || fail "server exited with $?"
stats=$(grep "^stats:" "$TMP/server.err")
echo "$stats"
sent=$(sed -n 's/.*SYN cookies sent \([0-9]*\) (valid \([0-9]*\), invalid \([0-9]*\)).*/\1 \2 \3/p' <<<"$stats")
read -r cookies valid invalid <<<"$sent"
[ "$result" = "ok 20 of 20" ] || fail "not every client got through: $result; $(cat "$TMP/clients.err")"
[ "${cookies:-0}" -gt 0 ] || fail "the server sent no SYN cookies"
[ "${valid:-0}" -gt 0 ] || fail "no valid cookie came back"
echo "SYN cookies sent $cookies, valid $valid, invalid $invalid"
echo "ok"
