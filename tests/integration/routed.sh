#!/usr/bin/env bash
# Our stack as a router (--forward, RFC 1812) between two kernel hosts, in
# the routed lab of scripts/lab-up.sh --routed:
#
#   h1 10.1.0.2 -- r1 [10.1.0.1 ours, 10.2.0.1 ours] r2 -- h2 10.2.0.2 (MTU 1000)
#
# h1 pings h2 through us (ttl=63), traceroute and tracepath show our hop,
# TTL 1 draws Time Exceeded from 10.1.0.1, a DF ping larger than the second
# link draws Fragmentation Needed with its MTU, 1 MB of TCP crosses byte for
# byte, and the router's --trace shows both ARP exchanges and "forward" lines.
source "$(dirname "$0")/common.bash" socat ss traceroute tracepath sha256sum
source "$(dirname "$0")/lab.bash"
lab_up --routed --mtu2 1000
R=$LAB-r H1=$LAB-h1 H2=$LAB-h2
in_h1() { ip netns exec "$H1" "$@"; }

start_in "$R" router ./server --link packet --ifname "$LAB-r1" --addr 10.1.0.1/24 \
    --ifname "$LAB-r2" --addr 10.2.0.1/24 --forward --trace --stats

in_h1 ping -c 3 -i 0.2 -W 2 10.2.0.2 >"$TMP/ping.out" 2>&1 || fail "ping through the router: $(cat "$TMP/ping.out")"
grep -q "from 10.2.0.2: icmp_seq=1 ttl=63" "$TMP/ping.out" || fail "no ttl=63 reply: $(cat "$TMP/ping.out")"

in_h1 ping -c 1 -t 1 -W 2 10.2.0.2 >"$TMP/ttl1.out" 2>&1
grep -q "From 10.1.0.1 icmp_seq=1 Time to live exceeded" "$TMP/ttl1.out" ||
    fail "ping -t 1: no Time Exceeded from 10.1.0.1: $(cat "$TMP/ttl1.out")"

in_h1 timeout 30 traceroute -n -I -q 1 -w 2 10.2.0.2 >"$TMP/traceroute.out" 2>&1 ||
    fail "traceroute: $(cat "$TMP/traceroute.out")"
grep -Eq '^ *1 +10\.1\.0\.1 ' "$TMP/traceroute.out" || fail "traceroute shows no hop 10.1.0.1: $(cat "$TMP/traceroute.out")"
grep -Eq '^ *2 +10\.2\.0\.2 ' "$TMP/traceroute.out" || fail "traceroute does not reach 10.2.0.2: $(cat "$TMP/traceroute.out")"

in_h1 timeout 30 tracepath -n 10.2.0.2 >"$TMP/tracepath.out" 2>&1
grep -Eq '^ *1: +10\.1\.0\.1 ' "$TMP/tracepath.out" || fail "tracepath shows no hop 10.1.0.1: $(cat "$TMP/tracepath.out")"
grep -q "pmtu 1000" "$TMP/tracepath.out" || fail "tracepath found no pmtu 1000: $(cat "$TMP/tracepath.out")"

# tracepath taught h1's kernel the path MTU; forget it, so that the DF ping
# reaches us instead of failing in h1 ("message too long").
in_h1 ip route flush cache
in_h1 ping -c 1 -M do -s 1400 -W 2 10.2.0.2 >"$TMP/df.out" 2>&1
grep -q "From 10.1.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1000)" "$TMP/df.out" ||
    fail "DF ping: no Fragmentation Needed with mtu 1000: $(cat "$TMP/df.out")"

# A DF-less ping of the same size is fragmented by us and answered (h1
# forgets the path MTU again, or it would fragment the ping itself).
in_h1 ip route flush cache
in_h1 ping -c 1 -M dont -s 1400 -W 2 10.2.0.2 >"$TMP/frag.out" 2>&1 ||
    fail "ping -M dont -s 1400: $(cat "$TMP/frag.out")"

# 1 MB of TCP from h1 to a kernel sink on h2, across us.
head -c 1000000 /dev/urandom >"$TMP/data"
ip netns exec "$H2" timeout 30 socat -u TCP-LISTEN:9000,reuseaddr OPEN:"$TMP/got",creat,trunc &
SINK=$!
PIDS+=("$SINK")
for _ in $(seq 50); do ip netns exec "$H2" ss -ltn | grep -q ":9000 " && break; sleep 0.1; done
in_h1 timeout 30 socat -u OPEN:"$TMP/data" TCP:10.2.0.2:9000 || fail "socat h1 -> h2 failed"
wait "$SINK" || fail "the sink on h2 did not finish"
[ "$(sha256sum <"$TMP/data")" = "$(sha256sum <"$TMP/got")" ] ||
    fail "1 MB across the router arrived altered ($(stat -c %s "$TMP/got") bytes)"

kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null
T=$TMP/router.err
grep -q "ARP Request who-has 10.1.0.2" "$T" || grep -q "ARP Request who-has 10.1.0.1" "$T" || fail "no ARP on r1 in the trace"
grep -q "ARP Request who-has 10.2.0.2" "$T" || grep -q "ARP Request who-has 10.2.0.1" "$T" || fail "no ARP on r2 in the trace"
grep -Eq "forward $LAB-r1 -> $LAB-r2 ttl 63" "$T" || fail "no 'forward r1 -> r2 ttl 63' line in the trace"
grep -q "TTL 1 runs out here, ICMP Time Exceeded" "$T" || fail "no Time Exceeded line in the trace"
grep -q "ICMP Fragmentation Needed" "$T" || fail "no Fragmentation Needed line in the trace"
grep -Eq "forwarded [0-9]{3,} \(fragmented [1-9]" "$T" || fail "the counters show too little forwarded: $(grep -o 'forwarded [^;]*' "$T")"
echo "PASS: routed: ping ttl=63, traceroute/tracepath hop 10.1.0.1, Time Exceeded, Frag needed (mtu 1000), 1 MB TCP sha256 equal"
