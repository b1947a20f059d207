#!/usr/bin/env bash
# IPv4 reassembly in packet mode (RFC 791 3.2, RFC 815): an echo request in
# fragments that arrive out of order and overlapping (wrong bytes in the
# later copies must lose to the first) is answered with the true data; a
# flood of never-completed fragments (about 4 MB) stays within the memory
# bound (256 KiB) by evicting the oldest, the server's memory does not grow
# with it, and a fragmented ping right after the flood is answered at once
# (not 30 s later, when the flood's datagrams would have timed out).
source "$(dirname "$0")/common.bash" python3
source "$(dirname "$0")/lab.bash"
lab_up --net 10.36.0
start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.36.0.2/24 --stats
in_k ping -c 1 -W 2 10.36.0.2 >/dev/null || fail "the stack does not answer ping"

in_k python3 tests/integration/frag_craft.py echo 10.36.0.2 || fail "out-of-order, overlapping fragments"

rss() { awk '/VmRSS/ {print $2}' "/proc/$BG_PID/status"; }
before=$(rss)
in_k python3 tests/integration/frag_craft.py flood 10.36.0.2 3000 || fail "flood"
sleep 0.5
after=$(rss)
echo "server RSS before the flood ${before} kB, after ${after} kB"
[ $((after - before)) -lt 2048 ] || fail "the server grew by $((after - before)) kB during the flood"
in_k ping -c 2 -i 0.2 -W 2 10.36.0.2 >/dev/null || fail "no answer to ping after the flood"
in_k python3 tests/integration/frag_craft.py flood 10.36.0.2 3000 || fail "second flood"
in_k ping -c 1 -s 4000 -W 2 10.36.0.2 >/dev/null || fail "no answer to a fragmented ping right after a flood"

stop_server "$BG_PID" INT || fail "server exited with $?"
stats=$(grep "^stats:" "$TMP/server.err")
held=$(sed -E 's/.*, ([0-9]+) bytes held.*/\1/' <<<"$stats")
evicted=$(sed -E 's/.*reassembled [0-9]+ \(dropped [0-9]+, evicted ([0-9]+).*/\1/' <<<"$stats")
echo "reassembly at exit: $held bytes held, $evicted incomplete datagrams evicted by the bound"
[ "$held" -le 262144 ] || fail "reassembly holds $held bytes, above the 256 KiB bound"
[ "$evicted" -gt 4000 ] || fail "only $evicted datagrams evicted: the bound did not act"
echo ok
