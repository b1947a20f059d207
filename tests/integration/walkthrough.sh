#!/usr/bin/env bash
# docs/walkthrough.md still holds: scripts/walkthrough.sh re-runs the lesson
# (in this test's namespace) and each step must keep its shape: the state
# transitions in order, the lost segment and its retransmission where they
# must be, fast retransmit on the third duplicate ACK, TIME-WAIT and its
# expiry, the RST of a refused connection, a pcap tshark reads. Times, ISNs
# and ports change from run to run and are never compared.
source "$(dirname "$0")/common.bash" python3 tshark ping nc ethtool traceroute rsvg-convert
OUT="$TMP/lesson"
LESSON_NS="$NS" timeout 120 scripts/walkthrough.sh "$OUT" >"$TMP/lesson.txt" 2>"$TMP/lesson.err" ||
    fail "scripts/walkthrough.sh exited $?: $(tail -n 5 "$TMP/lesson.txt")"

# in_order FILE PATTERN...: each (fixed-string) pattern on a later line than
# the one before.
in_order() {
    local file=$1; shift
    local at=0 n
    for p in "$@"; do
        n=$(tail -n +"$((at + 1))" "$file" | grep -nF -m1 -- "$p" | cut -d: -f1)
        [ -n "$n" ] || fail "$(basename "$file"): '$p' not found after line $at"
        at=$((at + n))
    done
}
step() { echo "$OUT/$1.txt"; }

# 1. handshake, echo, close: the client's states and segments in order.
f=$(step 01-echo)
in_order "$f" "CLOSED -> SYN-SENT" "--> 127.0.0.1:8080        [SYN] Seq=0 (ISN" \
    "<-- 127.0.0.1:8080        [SYN,ACK] Seq=0 (ISN" "SYN-SENT -> ESTABLISHED" \
    "--> 127.0.0.1:8080        [ACK] Seq=1 Ack=1" "[PSH,ACK] Seq=1 Ack=1" \
    "ESTABLISHED -> FIN-WAIT-1" "FIN-WAIT-1 -> FIN-WAIT-2" "FIN-WAIT-2 -> TIME-WAIT"
grep -q "hello" "$f" || fail "01-echo: 'hello' not echoed"
grep -q -- "|---------------- SYN seq=0 ----------------->|" "$f" || fail "01-echo: no ladder diagram"
echo "handshake, echo and close in order (client)"

f=$(step 02-echo-server)
in_order "$f" "<-- 127.0.0.1:" "LISTEN -> SYN-RECEIVED" "[SYN,ACK]" "SYN-RECEIVED -> ESTABLISHED" \
    "ESTABLISHED -> CLOSE-WAIT" "CLOSE-WAIT -> LAST-ACK" "LAST-ACK -> CLOSED"
echo "the same connection in order (server)"

# (The echo is looked for anywhere in the step's output: stdout and the
# stderr trace share one file, so its line may not stand alone.)
# 2. --drop-nth 3: the data segment is lost, the RTO fires, and the next
# segment with Seq=1 is the retransmission carrying those 6 bytes.
f=$(step 03-lost)
lost=$(grep -n "LOST (fault injector)" "$f" | cut -d: -f1)
[ "$(wc -l <<<"$lost")" = 1 ] && [ -n "$lost" ] || fail "03-lost: want exactly one LOST line"
sed -n "${lost}p" "$f" | grep -q -- "--> .*\[PSH,ACK\] Seq=1 Ack=1 .*Len=6" ||
    fail "03-lost: the lost segment is not the data: $(sed -n "${lost}p" "$f")"
n=$(grep -c -- "--> " <(head -n "$lost" "$f"))
[ "$n" = 3 ] || fail "03-lost: the lost segment is our packet $n, not 3"
in_order "$f" "LOST (fault injector)" "RTO fired, backoff to" \
    "--> 127.0.0.1:8080        [TCP Retransmission]" "FIN-WAIT-2 -> TIME-WAIT"
grep "\[TCP Retransmission\]" "$f" | head -1 | grep -q "Seq=1 Ack=1 .*Len=6" ||
    fail "03-lost: the retransmission does not resend Seq=1 Len=6"
grep -q "hello" "$f" || fail "03-lost: 'hello' not echoed after the loss"
grep -q -- "len=6 -----x" "$f" || fail "03-lost: the diagram has no arrow stopping short"
echo "lost segment: RTO, then the retransmission of Seq=1 Len=6"

# 3. fast retransmit: the lost Seq is resent right after the third
# duplicate ACK that names it, with no RTO.
f=$(step 04-fast-retransmit)
lseq=$(grep "LOST (fault injector)" "$f" | grep -o 'Seq=[0-9]*' | head -1 | cut -d= -f2)
[ -n "$lseq" ] || fail "04-fast-retransmit: no LOST segment"
in_order "$f" "LOST (fault injector)" "dup ACK #1 for seq $lseq" "dup ACK #2 for seq $lseq" \
    "dup ACK #3 for seq $lseq" "fast retransmit of seq $lseq" "[TCP Retransmission]" \
    "fast recovery done"
grep -F "[TCP Retransmission]" "$f" | head -1 | grep -q -- "--> .* Seq=$lseq " ||
    fail "04-fast-retransmit: the first retransmission is not Seq=$lseq"
! grep -q "RTO fired" "$f" || fail "04-fast-retransmit: an RTO fired"
echo "fast retransmit of Seq=$lseq on the third duplicate ACK"

# 4. the server closed first: its FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, expiry.
f=$(step 05-daytime)
in_order "$f" "SYN-SENT -> ESTABLISHED" "ESTABLISHED -> CLOSE-WAIT" "CLOSE-WAIT -> LAST-ACK" \
    "LAST-ACK -> CLOSED"
f=$(step 06-time-wait)
in_order "$f" "LISTEN -> SYN-RECEIVED" "ESTABLISHED -> FIN-WAIT-1" "FIN-WAIT-1 -> FIN-WAIT-2" \
    "FIN-WAIT-2 -> TIME-WAIT" "TIME-WAIT expired" "TIME-WAIT -> CLOSED"
echo "daytime: the server walks FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT and out"

# 5. refused: RST, exit status 3.
f=$(step 07-refused)
in_order "$f" "CLOSED -> SYN-SENT" "[SYN] Seq=0" "<-- 127.0.0.1:7           [RST,ACK]" \
    "SYN-SENT -> CLOSED" "refused (nothing listens there)" "exit status 3"
echo "refused: RST and exit status 3"

# 6. --verbose: the IPv4 and TCP fields under the SYN.
f=$(step 08-verbose)
in_order "$f" "[SYN] Seq=0" "IPv4 header (RFC 791 3.1)" "ttl: 64" "TCP header (RFC 9293 3.1)" \
    "dst port: 8080" "flags=SYN"

# 7. pcap: tshark decodes 11 packets, and follows the stream.
f=$(step 09-pcap)
n=$(grep -c "127.0.0.1 → 127.0.0.1 *TCP" "$f")
[ "$n" -ge 9 ] || fail "09-pcap: tshark shows $n TCP packets"
grep -q "Malformed" "$f" && fail "09-pcap: malformed packets"
in_order "$(step 10-pcap-follow)" "Node 0: 127.0.0.1:" "one" "two"
echo "pcap: $n packets decoded, stream followed"

# 8. packet mode: ARP before the first echo, the echoes, nc, our MAC in
# the kernel's neighbour table.
grep -q "^64 bytes from 10.0.0.2: icmp_seq=2 " "$(step 12-ping)" || fail "12-ping: no second echo reply"
grep -qx "hello" "$(step 13-nc)" || fail "13-nc: the line did not come back"
grep -q "^10.0.0.2 dev lsn-k lladdr .* REACHABLE" "$(step 14-neigh)" || fail "14-neigh: no entry for us"
in_order "$(step 15-lab-trace)" "ARP Request who-has 10.0.0.2? tell 10.0.0.2" \
    "ARP Request who-has 10.0.0.2? tell 10.0.0.1" "ARP Reply 10.0.0.2 is-at" \
    "ICMP Echo id=" "ICMP EchoReply id=" "LISTEN -> SYN-RECEIVED" "LAST-ACK -> CLOSED"
echo "packet mode: ARP, ping, nc and the neighbour entry"

# 9. the router: ttl=63 across it, our hop in traceroute, Time Exceeded
# and Fragmentation Needed from 10.1.0.1, and its trace.
grep -q "^64 bytes from 10.2.0.2: icmp_seq=1 ttl=63 " "$(step 31-routed-ping)" || fail "31-routed-ping: no ttl=63 reply"
grep -Eq "^ *1 +10\.1\.0\.1 " "$(step 32-traceroute)" || fail "32-traceroute: no hop 10.1.0.1"
grep -Eq "^ *2 +10\.2\.0\.2 " "$(step 32-traceroute)" || fail "32-traceroute: 10.2.0.2 not reached"
grep -q "From 10.1.0.1 icmp_seq=1 Time to live exceeded" "$(step 33-ttl1)" || fail "33-ttl1: no Time Exceeded"
grep -q "From 10.1.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1000)" "$(step 34-frag-needed)" ||
    fail "34-frag-needed: no Fragmentation Needed with mtu 1000"
in_order "$(step 35-router-trace)" "ARP Request who-has 10.1.0.1? tell 10.1.0.2" \
    "ICMP Echo id=" "forward rtr-r1 -> rtr-r2 ttl 63" "ARP Request who-has 10.2.0.2? tell 10.2.0.1" \
    "forward rtr-r2 -> rtr-r1 ttl 63" "TTL 1 runs out here" "ICMP Fragmentation Needed"
echo "router: ttl=63, traceroute hop, Time Exceeded, Fragmentation Needed, its trace"

# 10. pictures: the client's plot renders and marks its retransmissions;
# the three controllers each have a row and a plot.
grep -qx "300000" "$(step 40-plot)" || fail "40-plot: the echo did not bring 300000 bytes back"
grep -Eq "^rendered lesson-[0-9]+-8080.svg to PNG; retransmissions marked: [1-9]" "$(step 41-plot-render)" ||
    fail "41-plot-render: no rendered plot with retransmissions: $(cat "$(step 41-plot-render)")"
for cc in newreno cubic highspeed; do
    grep -Eq "^$cc +[0-9.]+ " "$(step 42-cc-compare)" || fail "42-cc-compare: no row for $cc"
done
echo "pictures: the client's plot renders, three controllers compared"

# Nothing left behind: the server is gone, no nftables table of ours.
assert_no_tables "after the walkthrough"
echo "walkthrough: ok"
