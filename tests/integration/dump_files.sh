#!/usr/bin/env bash
# ./dump with files and filters, and --stats, in raw mode on the loopback
# of a namespace of the test's own:
#  1. ./dump -i lo shows each frame once (lo hands AF_PACKET every frame
#     twice, leaving and arriving): its -w file holds one SYN per connection,
#     and tcpdump -r reads it, packet for packet;
#  2. ./dump -r of the server's --pcap file shows the handshake (SYN,
#     SYN-ACK, ACK), a filter removes it, -c stops, -w writes what passed,
#     --diagram draws the ladder, the same file as pcapng (Wireshark's
#     format, written by tshark) reads the same; a bad filter is one line
#     and exit 2;
#  3. --stats: the client under --drop 5 shows retransmissions and the
#     injector's drops at exit; the server prints its live connections on
#     SIGUSR1 and goes on serving.
source "$(dirname "$0")/common.bash" tcpdump tshark xmllint rsvg-convert
[ -x ./dump ] || fail "./dump is not built (make dump)"

start_server srv --pcap "$TMP/srv.pcap" --stats --log-level warning
start_in "$NS" lo ./dump -i lo -w "$TMP/lo.pcap" tcp port 8080
for _ in $(seq 50); do grep -q "listening on lo" "$TMP/lo.err" && break; sleep 0.1; done
grep -q "listening on lo" "$TMP/lo.err" || fail "./dump did not start"
dump_pid=$BG_PID

# A connection held open while the server is asked for its statistics.
mkfifo "$TMP/held.in"
ip netns exec "$NS" ./client 127.0.0.1 8080 <"$TMP/held.in" >"$TMP/held.out" 2>"$TMP/held.err" &
held_pid=$!
PIDS+=("$held_pid")
exec 3>"$TMP/held.in"
echo "still here" >&3
for _ in $(seq 50); do grep -q "still here" "$TMP/held.out" && break; sleep 0.1; done
grep -q "still here" "$TMP/held.out" || fail "the held client got no echo"
kill -USR1 "$SERVER_PID"
for _ in $(seq 50); do grep -q "^tcp: closed" "$TMP/srv.err" && break; sleep 0.1; done
kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited on SIGUSR1"
grep -q "^tcp: ESTABLISHED 127.0.0.1:8080 127.0.0.1:[0-9]* rto:[0-9.]* rtt:" "$TMP/srv.err" ||
    fail "SIGUSR1: no line for the live connection"
grep -q "^stats: " "$TMP/srv.err" || fail "SIGUSR1: no host counters"
echo "SIGUSR1: the server printed its live connection and went on"
exec 3>&-
wait "$held_pid" || fail "the held client exited $?"

# 200 lines of 1000 bytes through 5% random loss (seeded: the same every run),
# in Ethernet-sized segments (--mss 1460; lo's own MTU would allow 64 KiB),
# each its own packet (--no-loopback-gso).
for i in $(seq 200); do head -c 999 /dev/zero | tr '\0' 'x'; echo; done >"$TMP/in.txt"
in_ns timeout 60 ./client --stats --mss 1460 --no-loopback-gso --drop 5 --seed 3 127.0.0.1 8080 <"$TMP/in.txt" >"$TMP/out.txt" \
    2>"$TMP/client.err" || fail "client exited $?"
cmp -s "$TMP/in.txt" "$TMP/out.txt" || fail "the echo differs from what was sent"
# The client closed first: at exit its connection is in TIME-WAIT (a line
# of its own) or, once that ended, in the closed totals: both are summed.
grep -q "^tcp: closed [01]: " "$TMP/client.err" || fail "client --stats: no closed line"
retrans=$(sed -n 's/^tcp: .* retrans:\([0-9]*\) .*/\1/p' "$TMP/client.err" | awk '{ s += $1 } END { print s + 0 }')
dropped=$(sed -n 's/^faults: .* dropped:\([0-9]*\) .*/\1/p' "$TMP/client.err")
[ "$retrans" -gt 0 ] || fail "client --stats: retrans:$retrans after --drop 5"
[ "${dropped:-0}" -gt 0 ] || fail "client --stats: no drops counted: $(grep faults: "$TMP/client.err")"
echo "--drop 5: the client counted retrans:$retrans and the injector dropped:$dropped"

sleep 0.3
kill -INT "$dump_pid"
wait "$dump_pid" || fail "./dump -i lo exited $?"
stop_server "$SERVER_PID" INT || fail "server exited $?"
# The server closed second (LAST-ACK): both connections are in its totals.
grep -q "^tcp: closed 2: " "$TMP/srv.err" || fail "server --stats at exit: no totals of 2 closed connections"

# 1. lo: each frame once.
shown=$(sed -n 's/^dump: \([0-9]*\) packets$/\1/p' "$TMP/lo.err")
read_back=$(tcpdump -n -r "$TMP/lo.pcap" 2>/dev/null | wc -l)
syns=$(tcpdump -n -r "$TMP/lo.pcap" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>/dev/null | wc -l)
[ -n "$shown" ] && [ "$shown" -gt 0 ] || fail "./dump -i lo showed no packets"
[ "$read_back" = "$shown" ] || fail "tcpdump -r read $read_back packets of the $shown ./dump wrote"
[ "$syns" = 2 ] || fail "the lo capture holds $syns SYNs for 2 connections (each frame once?)"
[ "$(grep -c '\[SYN\] Seq=0' "$TMP/lo.out")" = 2 ] || fail "./dump -i lo printed a SYN more than once"
echo "lo: $shown packets shown once each; tcpdump -r reads the -w file"

# 2. The server's file.
expect() { grep -qF -- "$2" "$1" || fail "$1: no line with: $2"; }
./dump -r "$TMP/srv.pcap" >"$TMP/r.out" 2>"$TMP/r.err" || fail "./dump -r exited $?"
expect "$TMP/r.out" "--> 127.0.0.1:8080        [SYN] Seq=0 (ISN "
expect "$TMP/r.out" "<-- 127.0.0.1:8080        [SYN,ACK] Seq=0 (ISN "
expect "$TMP/r.out" "--> 127.0.0.1:8080        [ACK] Seq=1 Ack=1 "
expect "$TMP/r.out" "[FIN,ACK]"
all=$(sed -n 's/^dump: \([0-9]*\) packets$/\1/p' "$TMP/r.err")
[ "$all" = "$(tcpdump -n -r "$TMP/srv.pcap" 2>/dev/null | wc -l)" ] || fail "./dump -r shows $all packets, tcpdump another count"
./dump -r "$TMP/srv.pcap" 'tcp[tcpflags] & tcp-syn == 0' >"$TMP/nosyn.out" 2>&1 || fail "filtered -r exited $?"
grep -q '\[SYN' "$TMP/nosyn.out" && fail "the filter let a SYN through"
expect "$TMP/nosyn.out" "[ACK]"
./dump -r "$TMP/srv.pcap" not tcp port 8080 >"$TMP/none.out" 2>&1 || fail "-r 'not tcp port 8080' exited $?"
expect "$TMP/none.out" "dump: 0 packets"
./dump -r "$TMP/srv.pcap" -c 3 >"$TMP/c3.out" 2>&1 || fail "-r -c 3 exited $?"
expect "$TMP/c3.out" "dump: 3 packets"
./dump -r "$TMP/srv.pcap" -w "$TMP/syn.pcap" 'tcp[tcpflags] & tcp-syn != 0' >/dev/null 2>&1 || fail "-r -w exited $?"
[ "$(tcpdump -n -r "$TMP/syn.pcap" 2>/dev/null | grep -c 'Flags \[S')" = 4 ] ||
    fail "-w: tcpdump -r does not read 2 SYNs and 2 SYN-ACKs: $(tcpdump -n -r "$TMP/syn.pcap" 2>&1)"
./dump -r "$TMP/srv.pcap" --diagram >"$TMP/ladder.out" 2>&1 || fail "--diagram exited $?"
grep -q -- "-- SYN seq=0 --.*>|" "$TMP/ladder.out" || fail "--diagram drew no SYN arrow"
tshark -F pcapng -r "$TMP/srv.pcap" -w "$TMP/srv.pcapng" 2>/dev/null || fail "tshark could not convert to pcapng"
./dump -r "$TMP/srv.pcapng" >"$TMP/ng.out" 2>&1 || fail "-r FILE.pcapng exited $?"
expect "$TMP/ng.out" "dump: $all packets"
expect "$TMP/ng.out" "<-- 127.0.0.1:8080        [SYN,ACK] Seq=0 (ISN "
echo "-r: handshake shown, filters applied, -c and -w and --diagram work"
# --plot from the file: one SVG per connection, from the packets alone.
./dump -r "$TMP/srv.pcap" --plot "$TMP/fromfile.svg" >/dev/null 2>"$TMP/plot.err" || fail "-r --plot exited $?"
svgs=("$TMP"/fromfile-*.svg)
[ -s "${svgs[0]}" ] || fail "-r --plot wrote no SVG: $(cat "$TMP/plot.err")"
for f in "${svgs[@]}"; do
    xmllint --noout "$f" || fail "$f is not well-formed XML"
    rsvg-convert -o "$f.png" "$f" && [ -s "$f.png" ] || fail "rsvg-convert could not render $f"
    grep -q "are not in the packets" "$f" || fail "$f: the legend does not say the sender's values are missing"
done
echo "-r --plot: ${#svgs[@]} SVGs, well-formed and rendered"
./dump -r "$TMP/srv.pcap" 'tcp prot 80' >"$TMP/bad.out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "a bad filter exited $rc, want 2"
[ "$(wc -l <"$TMP/bad.out")" = 1 ] && grep -q "^dump: bad filter 'tcp prot 80': " "$TMP/bad.out" ||
    fail "a bad filter is not one line: $(cat "$TMP/bad.out")"
echo "dump_files: ok"
