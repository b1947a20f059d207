#!/usr/bin/env bash
# Path MTU Discovery (RFC 1191) against a kernel router, validated as RFC
# 5927 asks: three namespaces, ours (S) -- 1500 -- a Linux router (R) --
# 1000 -- the kernel's echo server (K). Our segments carry DF and are 1500
# bytes, the router cannot forward them and answers "fragmentation needed,
# MTU 1000"; the stack must shrink its segments and resend, or the transfer
# stalls (a PMTU black hole). In packet mode, and in raw mode (where the
# kernel owns our address and our raw ICMP socket hears the router).
#
# K's side of the narrow link keeps MTU 1500, so K advertises MSS 1460 and
# the path is narrower than either end knows. K only receives (into a
# file) and sends ACKs, which fit the narrow side; the router's own
# "fragmentation needed" is the only way the stack can learn of the hop.
source "$(dirname "$0")/common.bash" socat ss ethtool python3
R="$NS-r" K="$NS-k"
trap 'cleanup; ip netns del "$R" 2>/dev/null; ip netns del "$K" 2>/dev/null' EXIT
ip netns add "$R" && ip netns add "$K" || fail "cannot create namespaces"
for n in "$R" "$K"; do ip -n "$n" link set lo up; done
ip link add us netns "$NS" type veth peer name r0 netns "$R"
ip link add r1 netns "$R" type veth peer name k0 netns "$K"
ip -n "$R" addr add 10.52.1.254/24 dev r0
ip -n "$R" addr add 10.52.2.254/24 dev r1
ip -n "$R" link set r1 mtu 1000
ip -n "$K" addr add 10.52.2.1/24 dev k0
for l in "$NS us" "$R r0" "$R r1" "$K k0"; do
    set -- $l
    ip -n "$1" link set "$2" up
    ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
done
ip -n "$K" route add default via 10.52.2.254
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1

# Four long lines: the client sends each in one call, so its segments are
# full-sized from the start (short lines could go out one small segment
# each, and then no segment would ever meet the narrow hop).
python3 - "$TMP/in.txt" <<'PY'
import random, sys
random.seed(11)
with open(sys.argv[1], "w") as f:
    for i in range(4):
        f.write("".join(random.choice("abcdefghij") for _ in range(90000)) + "\n")
PY
# through_router NAME ARGS...: our client sends the file through the router
# to a kernel socat on K, which writes what it receives to a file of its
# own; both files must be the same.
through_router() {
    local name=$1; shift
    ip netns exec "$K" socat -u TCP-LISTEN:9000,reuseaddr OPEN:"$TMP/$name.got",creat,trunc 2>/dev/null &
    local sink=$!
    PIDS+=("$sink")
    for _ in $(seq 50); do ip netns exec "$K" ss -ltn | grep -q ':9000 ' && break; sleep 0.1; done
    timeout 60 ip netns exec "$NS" ./client --stats "$@" 10.52.2.1 9000 \
        <"$TMP/in.txt" >/dev/null 2>"$TMP/$name.err" || fail "$name: client exited $?"
    wait "$sink"
    cmp -s "$TMP/in.txt" "$TMP/$name.got" || fail "$name: K got $(wc -c <"$TMP/$name.got") of $(wc -c <"$TMP/in.txt") bytes, or other bytes"
    local lowered
    lowered=$(sed -nE 's/.*path MTU lowered ([0-9]+).*/\1/p' "$TMP/$name.err")
    echo "$name: $(wc -c <"$TMP/in.txt") bytes through the 1000-byte hop; path MTU lowered ${lowered:-?} time(s)"
}

# Packet mode: the stack owns 10.52.1.2; the router is its gateway.
through_router packet --link packet --ifname us --addr 10.52.1.2/24 --gateway 10.52.1.254
grep -q "path MTU lowered [1-9]" "$TMP/packet.err" || fail "packet: no path MTU change in --stats: $(tail -n 3 "$TMP/packet.err")"

# Raw mode: the kernel owns 10.52.1.3 and routes; the ICMP errors reach us
# through the raw ICMP socket.
ip -n "$NS" addr add 10.52.1.3/24 dev us
ip -n "$NS" route add default via 10.52.1.254
through_router raw
grep -q "path MTU lowered [1-9]" "$TMP/raw.err" || fail "raw: no path MTU change in --stats: $(tail -n 3 "$TMP/raw.err")"
assert_no_tables "after pmtu"
echo "pmtu: ok"
