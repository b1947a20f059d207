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

out_rsts() { ip netns exec "$1" nstat -saz TcpOutRsts | awk '$1 == "TcpOutRsts" { print $2 }'; }

# echo_ok CLIENT_NS ADDR PORT: a kernel client's echo through our server.
echo_ok() {
    timeout 30 ip netns exec "$1" python3 tests/integration/echo_check.py many "$2" "$3" 5 \
        >"$TMP/echo-$3.out" 2>&1 || fail "echo from $1 to $2:$3 failed: $(tail -3 "$TMP/echo-$3.out")"
}

# quiet_echo SERVER_NS CLIENT_NS ADDR PORT: the echo, and the kernel of
# the server's namespace built no RST meanwhile.
quiet_echo() {
    local before after
    before=$(out_rsts "$1")
    echo_ok "$2" "$3" "$4"
    after=$(out_rsts "$1")
    [ "$after" = "$before" ] || fail "$3:$4: the kernel built $((after - before)) RSTs for our segments from $2"
    echo "echo from $2 to $3:$4: done, kernel RSTs $before -> $after"
}

start_server srv1 --port 8080
in_ns nft list table inet "ustack_$SERVER_PID" | grep -q 'meta pkttype set broadcast' ||
    fail "no prerouting rule in the table: $(in_ns nft list table inet "ustack_$SERVER_PID")"
quiet_echo "$NS" "$NS" 127.0.0.1 8080
stop_server "$SERVER_PID" TERM || fail "server exit status $?"
assert_no_tables "after srv1"

# From another host (a veth, not lo) the rule asks the FIB whether a
# segment to a wildcard port is to a local address, and a port bound to one
# address matches on the pair: both must still keep the kernel quiet.
source tests/integration/lab.bash
lab_up --net 10.77.0
in_s ip addr add 10.77.0.2/24 dev "$SIF" || fail "cannot address $SIF"
for bind in 0.0.0.0 10.77.0.2; do
    start_in "$SNS" "srv-$bind" ./server --port 8082 --addr "$bind"
    echo "our server listening on $bind:8082"
    quiet_echo "$SNS" "$KNS" 10.77.0.2 8082
    stop_server "$BG_PID" TERM || fail "server exit status $?"
done

in_ns sysctl -qw net.ipv4.conf.all.drop_unicast_in_l2_multicast=1 || fail "cannot set the sysctl"
start_server srv2 --port 8081
in_ns nft list table inet "ustack_$SERVER_PID" | grep -q 'pkttype' &&
    fail "prerouting rule installed although drop_unicast_in_l2_multicast is on"
echo_ok "$NS" 127.0.0.1 8081
echo "drop_unicast_in_l2_multicast on: no prerouting rule, echo on 8081 done"
stop_server "$SERVER_PID" TERM || fail "server exit status $?"
assert_no_tables "after srv2"
echo "raw_quiet_kernel: ok"
