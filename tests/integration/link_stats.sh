#!/usr/bin/env bash
# --stats has one `link:` line per interface with what the device counted
# of its own. Packet mode: while our server is stopped (SIGSTOP) 6,000
# broadcast frames reach its interface; the receive ring holds 2,048 (4 MiB
# of 2 KiB slots), so the kernel drops the rest for us and counts them
# (packet(7) PACKET_STATISTICS), and SIGUSR1 then shows rx_dropped > 0.
# Raw mode: the line is there, with nothing dropped after an echo.
source "$(dirname "$0")/common.bash" python3
source "$(dirname "$0")/lab.bash"
lab_up --net 10.33.0

start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.33.0.2/24 --stats
srv=$BG_PID
kill -STOP "$srv"
in_k python3 - "$KIF" <<'PY' || { kill -CONT "$srv"; fail "could not send the frames"; }
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
# Ethernet broadcast, a local experimental EtherType (IEEE 802: 0x88b5):
# every frame reaches our ring, none is for anyone's IP.
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + b"\x00" * 46
for _ in range(6000):
    s.send(frame)
PY
kill -CONT "$srv"
sleep 0.3
kill -USR1 "$srv"
for _ in $(seq 50); do grep -q "^link: " "$TMP/server.err" && break; sleep 0.1; done
line=$(grep "^link: $SIF " "$TMP/server.err" | tail -1)
[ -n "$line" ] || fail "no link line for $SIF in --stats: $(grep -c . "$TMP/server.err") lines"
dropped=$(sed -n 's/.* rx_dropped:\([0-9]*\) .*/\1/p' <<<"$line")
[ "${dropped:-0}" -gt 0 ] || fail "6000 frames into a stopped server, yet: $line"
echo "packet mode, server stopped through 6000 frames: $line"
stop_server "$srv" TERM || fail "server exit status $?"

# Raw mode, on the lab's kernel side (any namespace with a lo will do).
ip netns exec "$KNS" ./server --log-level warning --stats >"$TMP/raw.out" 2>"$TMP/raw.err" &
raw=$!
PIDS+=("$raw")
for _ in $(seq 100); do grep -q "^listening on " "$TMP/raw.out" 2>/dev/null && break; sleep 0.1; done
out=$(printf 'one\n' | in_k timeout 10 ./client 127.0.0.1 8080) || fail "raw echo failed"
[ "$out" = one ] || fail "raw echo got '$out'"
stop_server "$raw" INT || fail "raw server exit status $?"
line=$(grep "^link: raw " "$TMP/raw.err" | tail -1)
[[ "$line" =~ ^link:\ raw\ rx_dropped:0\ rx_truncated:0\ rx_bad:0\ tx_dropped:0\ tx_gso:0$ ]] ||
    fail "raw mode link line: '$line'"
echo "raw mode: $line"
echo "link_stats: ok"
