#!/usr/bin/env bash
# Raw mode keeps the kernel's TCP from seeing the segments to our ports
# (os/firewall.hpp): the firewall table's prerouting rule marks them as
# link-layer broadcasts, which the raw socket still receives and tcp_v4_rcv
# discards unanswered (RFC 1122 3.3.6). So echo works, and the kernel builds
# no RST at all (TcpOutRsts does not move; without the rule it counts one
# per segment, which the output rule then drops). Where
# drop_unicast_in_l2_multicast is on the rule would hide our segments from
# us too: the server leaves it out and still works.
source "$(dirname "$0")/common.bash" python3 nstat

out_rsts() { in_ns nstat -saz TcpOutRsts | awk '$1 == "TcpOutRsts" { print $2 }'; }

echo_ok() {
    timeout 30 ip netns exec "$NS" python3 tests/integration/echo_check.py many 127.0.0.1 "$1" 5 \
        >"$TMP/echo-$1.out" 2>&1 || fail "echo on port $1 failed: $(tail -3 "$TMP/echo-$1.out")"
}

start_server srv1 --port 8080
in_ns nft list table inet "ustack_$SERVER_PID" | grep -q 'meta pkttype set broadcast' ||
    fail "no prerouting rule in the table: $(in_ns nft list table inet "ustack_$SERVER_PID")"
before=$(out_rsts)
echo_ok 8080
after=$(out_rsts)
[ "$after" = "$before" ] || fail "the kernel built $((after - before)) RSTs for our segments"
echo "echo on 8080: done, kernel RSTs $before -> $after"
stop_server "$SERVER_PID" TERM || fail "server exit status $?"
assert_no_tables "after srv1"

# From another host (a veth, not lo) the rule asks the FIB whether a
# segment to a wildcard port is to a local address, and a port bound to one
# address matches on the pair: both must still keep the kernel quiet.
source tests/integration/lab.bash
lab_up --net 10.77.0
in_s ip addr add 10.77.0.2/24 dev "$SIF" || fail "cannot address $SIF"
echo_from_k() {
    timeout 30 ip netns exec "$KNS" python3 tests/integration/echo_check.py many 10.77.0.2 "$1" 5 \
        >"$TMP/echo-k$1.out" 2>&1 || fail "echo from $KNS on port $1 failed: $(tail -3 "$TMP/echo-k$1.out")"
}
out_rsts_s() { in_s nstat -saz TcpOutRsts | awk '$1 == "TcpOutRsts" { print $2 }'; }
for bind in 0.0.0.0 10.77.0.2; do
    start_in "$SNS" "srv-$bind" ./server --port 8082 --addr "$bind"
    before=$(out_rsts_s)
    echo_from_k 8082
    after=$(out_rsts_s)
    [ "$after" = "$before" ] || fail "listening on $bind: the kernel built $((after - before)) RSTs for our segments from $KNS"
    echo "echo from $KNS to $bind:8082: done, kernel RSTs $before -> $after"
    stop_server "$BG_PID" TERM || fail "server exit status $?"
done

in_ns sysctl -qw net.ipv4.conf.all.drop_unicast_in_l2_multicast=1 || fail "cannot set the sysctl"
start_server srv2 --port 8081
in_ns nft list table inet "ustack_$SERVER_PID" | grep -q 'pkttype' &&
    fail "prerouting rule installed although drop_unicast_in_l2_multicast is on"
echo_ok 8081
echo "drop_unicast_in_l2_multicast on: no prerouting rule, echo on 8081 done"
stop_server "$SERVER_PID" TERM || fail "server exit status $?"
assert_no_tables "after srv2"
echo "raw_quiet_kernel: ok"
