#!/usr/bin/env bash
# --pcap in raw mode, checked by tshark with IP and TCP checksum validation
# on: every packet decodes, none is malformed, every checksum of ours is
# good, and the stream tshark reassembles (-z follow,tcp,raw) is exactly
# what the client sent and what the server echoed. Nothing is missing: every
# packet the client's file shows it sending is in the server's file too.
#
#  A. our client <-> our server, no faults;
#  B. the same with the client dropping, duplicating and reordering 3% of
#     what it sends (the files hold what really went on the wire);
#  C. the kernel's TCP as the client. On loopback the kernel leaves its TCP
#     checksum to "hardware" (CHECKSUM_PARTIAL): the field holds only the
#     pseudo-header sum, and tshark flags those packets as bad. That is the
#     capture, not the packet: the kernel itself never verifies them. So in
#     C we require good checksums on every packet *we* sent, and count the
#     kernel's bad ones separately, without failing on them.
source "$(dirname "$0")/common.bash" python3 tshark

source "$(dirname "$0")/tshark.bash"

python3 - "$TMP/in.txt" <<'PY'
import random, string, sys
random.seed(6)
with open(sys.argv[1], "w") as f:
    for i in range(40):
        n = 64 * 1024 if i == 20 else random.randint(0, 300)
        f.write(f"{i}: " + "".join(random.choice(string.ascii_letters) for _ in range(n)) + "\n")
PY

# ---- A. our client and our server ----------------------------------------
start_server srv --log-level warning --pcap "$TMP/srv.pcap"
timeout 60 ip netns exec "$NS" ./client --log-level warning --pcap "$TMP/cli.pcap" \
    127.0.0.1 8080 <"$TMP/in.txt" >"$TMP/out.txt" 2>"$TMP/client.err" || fail "client exited $?"
cmp -s "$TMP/in.txt" "$TMP/out.txt" || fail "A: the echo differs from what was sent"
sleep 0.3  # the server's last ACK
# Readable while the server still runs: each record is flushed.
verify "$TMP/srv.pcap" "A server pcap (read while running)"
verify "$TMP/cli.pcap" "A client pcap"
for f in cli srv; do
    follow "$TMP/$f.pcap" 0 "$TMP/$f.up"
    follow "$TMP/$f.pcap" 1 "$TMP/$f.down"
    cmp -s "$TMP/in.txt" "$TMP/$f.up" || fail "A: $f.pcap: client->server stream differs from what the client sent"
    cmp -s "$TMP/in.txt" "$TMP/$f.down" || fail "A: $f.pcap: server->client stream differs from the echo"
done
echo "A: tshark's reassembled streams equal what was sent, both ways, in both files"
nc=$(count "$TMP/cli.pcap" "tcp"); ns=$(count "$TMP/srv.pcap" "tcp")
[ "$nc" = "$ns" ] || fail "A: the client's file has $nc packets, the server's $ns"
streams=$(tshark_q -r "$TMP/srv.pcap" -T fields -e tcp.stream | sort -u | wc -l)
[ "$streams" = 1 ] || fail "A: $streams TCP streams in the server's file (raw mode must keep ours only)"
echo "A: both files hold the same $nc packets, one stream, no packet of anyone else"

# ---- B. the same through the fault injector ------------------------------
stop_server "$SERVER_PID" TERM || fail "server exit status $?"
start_server srv2 --log-level warning --pcap "$TMP/srv2.pcap"
timeout 120 ip netns exec "$NS" ./client --log-level warning --pcap "$TMP/cli2.pcap" \
    --drop 3 --duplicate 3 --reorder 3 --seed 7 \
    127.0.0.1 8080 <"$TMP/in.txt" >"$TMP/out2.txt" 2>"$TMP/client2.err" || fail "B: client exited $?"
cmp -s "$TMP/in.txt" "$TMP/out2.txt" || fail "B: the echo differs from what was sent"
sleep 0.3
verify "$TMP/srv2.pcap" "B server pcap"
follow "$TMP/srv2.pcap" 0 "$TMP/srv2.up"
cmp -s "$TMP/in.txt" "$TMP/srv2.up" || fail "B: the server's file does not reassemble to what was sent"
sent=$(count "$TMP/cli2.pcap" "tcp.dstport == 8080")
got=$(count "$TMP/srv2.pcap" "tcp.dstport == 8080")
[ "$sent" = "$got" ] || fail "B: the client's file shows $sent packets sent, the server's $got received"
dups=$(count "$TMP/srv2.pcap" "tcp.analysis.retransmission || tcp.analysis.duplicate_ack || tcp.analysis.out_of_order")
echo "B: with drop/duplicate/reorder 3%: $sent packets sent and received in both files, stream intact ($dups retransmissions, dup ACKs, out-of-order seen by tshark)"
stop_server "$SERVER_PID" TERM || fail "server exit status $?"

# ---- C. the kernel's TCP as the client ------------------------------------
# --mss 1460: Ethernet-sized segments (lo's own MTU would make them 64 KiB),
# each its own packet (--no-loopback-gso), so that the capture holds many
# of ours.
start_server srv3 --log-level warning --mss 1460 --no-loopback-gso --pcap "$TMP/srv3.pcap"
timeout 30 ip netns exec "$NS" python3 - "$TMP/in.txt" "$TMP/out3.txt" <<'PY' || fail "C: kernel client failed"
import socket, sys
data = open(sys.argv[1], "rb").read()
s = socket.create_connection(("127.0.0.1", 8080), timeout=20)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = bytearray()
while chunk := s.recv(65536):
    got += chunk
open(sys.argv[2], "wb").write(got)
PY
cmp -s "$TMP/in.txt" "$TMP/out3.txt" || fail "C: the echo to the kernel client differs"
sleep 0.3
f="$TMP/srv3.pcap"
ours=$(count "$f" "tcp.srcport == 8080")
ours_bad=$(count "$f" "tcp.srcport == 8080 && (ip.checksum.status != 1 || tcp.checksum.status != 1)")
[ "$ours" -gt 10 ] || fail "C: only $ours packets of ours"
[ "$ours_bad" = 0 ] || fail "C: $ours_bad of our packets have a bad checksum"
theirs=$(count "$f" "tcp.dstport == 8080")
partial=$(count "$f" "tcp.dstport == 8080 && tcp.checksum.status == 0")
ip_bad=$(count "$f" "ip.checksum.status != 1")
[ "$ip_bad" = 0 ] || fail "C: $ip_bad packets with a bad IP header checksum"
[ "$(count "$f" "_ws.malformed")" = 0 ] || fail "C: malformed packets"
follow "$f" 0 "$TMP/srv3.up"
cmp -s "$TMP/in.txt" "$TMP/srv3.up" || fail "C: the server's file does not reassemble to what the kernel sent"
echo "C: kernel client: our $ours packets all have good checksums; $partial of the kernel's $theirs carry a partial TCP checksum (CHECKSUM_PARTIAL on loopback, not counted as errors); stream intact"

stop_server "$SERVER_PID" TERM || fail "server exit status $?"
assert_no_tables "after pcap_tshark"
echo "pcap_tshark: ok"
