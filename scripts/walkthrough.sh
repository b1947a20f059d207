#!/usr/bin/env bash
# The lesson of docs/walkthrough.md, run for real: each step prints the
# command as a teacher types it ("sudo ./client ...") and the output it
# produced here. The commands run in a network namespace of their own (only
# `lo`, removed on exit), so nothing on the host is touched.
#
#   scripts/walkthrough.sh            # print the lesson
#   scripts/walkthrough.sh OUTDIR     # also keep each step as OUTDIR/NN-name.txt
#
# tests/integration/walkthrough.sh runs it with LESSON_NS set to a namespace
# of the test's own and checks that each step still has the shape the
# lesson describes (the transitions in order, the retransmission where it
# must be). The numbers (times, ISNs, ports) differ from run to run.
set -uo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
OUT=${1:-}
[ -n "$OUT" ] && mkdir -p "$OUT"
OWN_NS=0
NS=${LESSON_NS:-}
if [ -z "$NS" ]; then NS="ustk-lesson-$$"; OWN_NS=1; fi
WORK=$(mktemp -d /tmp/ustk-lesson.XXXXXX)
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ]; then
        $SUDO kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        $SUDO kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    [ "$OWN_NS" = 1 ] && $SUDO ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

for c in ip nft tshark python3 ping nc ethtool traceroute rsvg-convert; do
    command -v "$c" >/dev/null || { echo "walkthrough: needs $c: run 'make deps' (scripts/deps.sh)"; exit 1; }
done
[ -x ./server ] && [ -x ./client ] || { echo "walkthrough: build first: make"; exit 1; }
if [ "$OWN_NS" = 1 ]; then
    $SUDO ip netns add "$NS" || exit 1
    $SUDO ip -n "$NS" link set lo up
fi

# The command as shown, run in the namespace: "sudo " becomes "ip netns exec
# NS ", and the lesson's pcap path one in our temporary directory.
run() {
    local shown=$1 cmd=$1
    cmd=${cmd//sudo /$SUDO ip netns exec $NS }
    cmd=${cmd//\/tmp\/lesson/$WORK/lesson}
    printf '$ %s\n' "$shown"
    # tshark warns on stderr when run as root; a teacher reading a file as
    # a user does not see that line, so neither does the lesson.
    bash -c "$cmd" 2>&1 | grep -v '^Running as user "root"'
}

# step NN-name "title" "command" [RUNNER]: prints and keeps the output of
# the command, run by RUNNER (`run`, or `lab_run` for the lab's hosts).
step() {
    local name=$1 title=$2 cmd=$3 runner=${4:-run}
    printf '\n==== %s: %s\n' "$name" "$title"
    "$runner" "$cmd" | tee "$WORK/$name.txt"
    [ -n "$OUT" ] && cp "$WORK/$name.txt" "$OUT/$name.txt"
}

# The server's trace lines since `mark` (a line count of its stderr).
server_since() {
    local name=$1 mark=$2 title=$3
    printf '\n==== %s: %s\n' "$name" "$title"
    tail -n +"$((mark + 1))" "$WORK/server.err" | tee "$WORK/$name.txt"
    [ -n "$OUT" ] && cp "$WORK/$name.txt" "$OUT/$name.txt"
}
lines() { wc -l <"$WORK/server.err"; }

# wait_listening PID NAME: until $WORK/NAME.out says "listening on" (10 s),
# or the program has died (then its stderr, and the lesson stops).
wait_listening() {
    local pid=$1 name=$2
    for _ in $(seq 100); do
        grep -q '^listening on' "$WORK/$name.out" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.err"; exit 1; }
        sleep 0.1
    done
}

# ---- the server, in the background (terminal 1 of the lesson) -------------
# --mss 1460: segments of an Ethernet's size, though lo's MTU would allow
# 64 KiB; --no-loopback-gso: each one its own packet, as on an Ethernet.
SERVER_CMD="sudo ./server --trace --daytime 13 --msl-ms 500 --mss 1460 --no-loopback-gso"
printf '\n==== 00-server: terminal 1\n$ %s\n' "$SERVER_CMD"
$SUDO ip netns exec "$NS" ./server --trace --daytime 13 --msl-ms 500 --mss 1460 --no-loopback-gso \
    >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
wait_listening "$SERVER_PID" server
cat "$WORK/server.out" "$WORK/server.err" | tee "$WORK/00-server.txt"
[ -n "$OUT" ] && cp "$WORK/00-server.txt" "$OUT/00-server.txt"

# ---- 1. handshake, echo, close: the client's view and the server's --------
mark=$(lines)
step 01-echo "the three-way handshake, one echo, the close (terminal 2)" \
    "printf 'hello\n' | sudo ./client --trace --diagram 127.0.0.1 8080"
sleep 0.3
server_since 02-echo-server "$mark" "the same connection in terminal 1 (the server)"

# ---- 2. a lost segment and its retransmission by the RTO ------------------
step 03-lost "our 3rd packet (the data) is lost; the RTO resends it" \
    "printf 'hello\n' | sudo ./client --trace --diagram --drop-nth 3 127.0.0.1 8080"

# ---- 3. fast retransmit after three duplicate ACKs ------------------------
# --no-sack: without SACK blocks the sender learns of the loss only from
# duplicate ACKs, as RFC 5681 3.2 describes; with SACK (the default) RACK
# (RFC 8985) often finds it one duplicate ACK earlier.
step 04-fast-retransmit "20000 bytes, our 4th packet lost: three duplicate ACKs, fast retransmit" \
    "python3 -c \"print('x' * 20000)\" | sudo ./client --trace --no-sack --no-loopback-gso --drop-nth 4 127.0.0.1 8080 2>&1 >/dev/null | sed '/fast recovery done/q'"

# ---- 4. the server closes first: FIN-WAIT, TIME-WAIT and its expiry -------
mark=$(lines)
# `sleep 1 |`: the client's input stays open for a second, so the client
# does not close first; the server sends the date and closes.
step 05-daytime "daytime (RFC 867): the server talks first and closes first" \
    "sleep 1 | sudo ./client --trace 127.0.0.1 13"
sleep 1.2  # the server's TIME-WAIT lasts 2*MSL = 1 s here
server_since 06-time-wait "$mark" "terminal 1: the server's side, TIME-WAIT for 2*MSL"

# ---- 5. nothing listens: RST ----------------------------------------------
step 07-refused "a port where nothing listens: the answer is RST" \
    "sudo ./client --trace 127.0.0.1 7 </dev/null; echo \"exit status \$?\""

# ---- 6. the headers byte by byte ------------------------------------------
step 08-verbose "--verbose: every header field of the first segment" \
    "printf 'hi\n' | sudo ./client --verbose 127.0.0.1 8080 2>&1 >/dev/null | sed -n '1,/urgent/p'"

# ---- 7. a pcap for Wireshark ----------------------------------------------
step 09-pcap "a pcap of the whole conversation, read with tshark" \
    "printf 'one\ntwo\n' | sudo ./client --log-level warning --pcap /tmp/lesson.pcap 127.0.0.1 8080 && tshark -r /tmp/lesson.pcap"
step 10-pcap-follow "tshark puts the stream back together" \
    "tshark -r /tmp/lesson.pcap -q -z follow,tcp,ascii,0"

# ---- 8. ARP and ping in packet mode: a two-host lab ----------------------
# The lesson's lab is named lsn; ours gets a name of its own (LAB), shown as
# lsn so the lesson reads the same on every run.
LAB="lsn$(( $$ % 100000 ))"
LAB_PID=""
# in_lab SHOWN REAL CMD: runs the command as shown for the lab named SHOWN
# in the lab named REAL, and shows its output with REAL written as SHOWN.
in_lab() {
    local shown_name=$1 real=$2 shown=$3 cmd=$3
    cmd=${cmd//$shown_name-/$real-}
    cmd=${cmd//--name $shown_name/--name $real}
    cmd=${cmd//sudo /$SUDO }
    printf '$ %s\n' "$shown"
    bash -c "$cmd" 2>&1 | sed "s/$real/$shown_name/g"
}
lab_run() { in_lab lsn "$LAB" "$1"; }
lab_cleanup() {
    [ -n "$LAB_PID" ] && $SUDO kill -TERM "$LAB_PID" 2>/dev/null && wait "$LAB_PID" 2>/dev/null
    $SUDO scripts/lab-down.sh --name "$LAB" >/dev/null 2>&1
    cleanup
}
trap lab_cleanup EXIT

step 11-lab "two hosts: the kernel (lsn-k) and an interface for our stack (lsn-s)" \
    "sudo scripts/lab-up.sh --name lsn" lab_run
printf '$ sudo ip netns exec lsn-s ./server --link packet --ifname lsn-s --addr 10.0.0.2/24 --trace --log-level warning\n'
$SUDO ip netns exec "$LAB-s" ./server --link packet --ifname "$LAB-s" --addr 10.0.0.2/24 \
    --trace --log-level warning >"$WORK/lab-server.out" 2>"$WORK/lab-server.err" &
LAB_PID=$!
wait_listening "$LAB_PID" lab-server
cat "$WORK/lab-server.out"
step 12-ping "the kernel pings our stack: ARP first, then the echoes" \
    "sudo ip netns exec lsn-k ping -c 2 -i 0.5 10.0.0.2" lab_run
step 13-nc "a line through our server, from the kernel's nc" \
    "echo hello | sudo ip netns exec lsn-k nc -N 10.0.0.2 8080" lab_run
step 14-neigh "the kernel's ARP cache now holds our MAC" \
    "sudo ip netns exec lsn-k ip neigh" lab_run
sleep 0.3
printf '\n==== 15-lab-trace: what the server saw on the wire (its --trace)\n'
sed "s/$LAB/lsn/g" "$WORK/lab-server.err" | tee "$WORK/15-lab-trace.txt"
[ -n "$OUT" ] && cp "$WORK/15-lab-trace.txt" "$OUT/15-lab-trace.txt"

# ---- 9. a router of our own: the routed lab -------------------------------
source scripts/walkthrough_router.bash

# ---- 10. pictures: --plot and the controllers side by side ----------------
step 40-plot "--plot: the client draws its connection; 10% of its packets are lost" \
    "head -c 300000 /dev/zero | sudo ./client --plot /tmp/lesson.svg --drop 10 --seed 4 127.0.0.1 8080 | wc -c"
step 41-plot-render "each SVG renders (rsvg-convert), retransmissions marked R" \
    'for f in /tmp/lesson-*.svg; do rsvg-convert -o "$f.png" "$f" && echo "rendered $(basename "$f") to PNG; retransmissions marked: $(grep -c ">R<" "$f")"; done'
step 42-cc-compare "one lossy path (1%, seed 1), three congestion controllers, on the simulated link" \
    "mkdir -p /tmp/lesson-cc && ./cc_compare --bytes 1000000 --plot-dir /tmp/lesson-cc && ls /tmp/lesson-cc"
exit 0
