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

in_ns sysctl -qw net.ipv4.conf.all.drop_unicast_in_l2_multicast=1 || fail "cannot set the sysctl"
start_server srv2 --port 8081
in_ns nft list table inet "ustack_$SERVER_PID" | grep -q 'pkttype' &&
    fail "prerouting rule installed although drop_unicast_in_l2_multicast is on"
echo_ok 8081
echo "drop_unicast_in_l2_multicast on: no prerouting rule, echo on 8081 done"
stop_server "$SERVER_PID" TERM || fail "server exit status $?"
assert_no_tables "after srv2"
echo "raw_quiet_kernel: ok"
