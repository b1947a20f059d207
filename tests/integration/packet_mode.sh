#!/usr/bin/env bash
# Packet mode (AF_PACKET) on one end of a veth whose kernel side has no
# address, offloads off: the kernel in the other namespace pings the stack
# (also -s 4000, which arrives in fragments), nc exchanges lines with our
# server, our client reaches a kernel echo server, the kernel's neighbour
# table shows our MAC, ICMP port unreachable for a closed port, and an
# unanswered ARP makes connect fail with "unreachable".
source "$(dirname "$0")/common.bash" socat nc ss
source "$(dirname "$0")/lab.bash"
lab_up --net 10.31.0
MAC=$(in_s cat /sys/class/net/"$SIF"/address)

start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.31.0.2/24 --udp --stats

in_k ping -c 3 -i 0.2 -W 2 10.31.0.2 >"$TMP/ping.out" || fail "kernel ping of the stack: $(cat "$TMP/ping.out")"
grep -q "3 received" "$TMP/ping.out" || fail "ping: $(cat "$TMP/ping.out")"
in_k ping -c 2 -i 0.2 -W 2 -s 4000 10.31.0.2 >"$TMP/ping4k.out" || fail "ping -s 4000: $(cat "$TMP/ping4k.out")"
grep -q "4008 bytes from 10.31.0.2" "$TMP/ping4k.out" || fail "ping -s 4000 reply: $(cat "$TMP/ping4k.out")"
echo "kernel pinged the stack, 56 and 4000 bytes"

in_k ip neigh show 10.31.0.2 | grep -q "lladdr $MAC" || fail "kernel neighbour table lacks our MAC $MAC: $(in_k ip neigh)"
echo "kernel neighbour table: $(in_k ip neigh show 10.31.0.2)"

got=$(printf 'hello over packet\nsecond line\n' | in_k timeout 10 nc -N 10.31.0.2 8080)
[ "$got" = $'hello over packet\nsecond line' ] || fail "nc got '$got'"
echo "nc exchanged two lines with our server"

kernel_echo "$KNS" 7001
got=$(printf 'from our client\n' | in_s timeout 15 ./client --link packet --ifname "$SIF" --addr 10.31.0.3/24 10.31.0.1 7001)
[ "$got" = "from our client" ] || fail "our client got '$got'"
echo "our client (packet mode) reached a kernel echo server"

# UDP: port unreachable for a closed port, counted by the kernel.
before=$(in_k nstat -az IcmpInDestUnreachs | awk '/IcmpInDestUnreachs/ {print $2}')
echo probe | in_k timeout 3 nc -u -w1 10.31.0.2 9 >/dev/null 2>&1
after=$(in_k nstat -az IcmpInDestUnreachs | awk '/IcmpInDestUnreachs/ {print $2}')
[ "$after" -gt "$before" ] || fail "no ICMP port unreachable for a closed UDP port"
echo "kernel received ICMP port unreachable for UDP port 9"

# Nobody has 10.31.0.77: ARP gives up after 3 requests, connect fails.
in_s timeout 20 ./client --link packet --ifname "$SIF" --addr 10.31.0.3/24 10.31.0.77 7001 </dev/null 2>"$TMP/unreach.err"
rc=$?
[ $rc = 6 ] || fail "connect to a silent address: exit $rc, expected 6: $(cat "$TMP/unreach.err")"
echo "connect to an address nobody has: $(cat "$TMP/unreach.err")"

stop_server "$BG_PID" INT || fail "server exited with $?"
grep "^stats:" "$TMP/server.err"
grep -q "malformed 0" "$TMP/server.err" || fail "the server saw malformed packets"
echo "ok"
