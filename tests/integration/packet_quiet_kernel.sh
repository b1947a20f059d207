#!/usr/bin/env bash
# Packet mode keeps the kernel's IPv4 input off our address (os/ingress.hpp):
# a netdev ingress chain drops frames to it for the kernel after the packet
# taps have their copy. Without it the kernel, which does not own the
# address (RFC 1122 3.3.4.2), routes and drops each one and counts it in
# IpInAddrErrors; with it that counter does not move while 2 MB reach our
# discard service, and tcpdump on the interface still sees them. The table
# goes with the server; --no-firewall leaves it out.
source "$(dirname "$0")/common.bash" nc nstat tcpdump
source "$(dirname "$0")/lab.bash"
lab_up --net 10.32.0

addr_errors() { in_s nstat -saz IpInAddrErrors | awk '$1 == "IpInAddrErrors" { print $2 }'; }
send_2mb() {
    head -c 2000000 /dev/zero | in_k timeout 20 nc -N 10.32.0.2 9 || fail "nc to our discard port failed"
}

start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.32.0.2/24 --discard 9
table="ustack_$BG_PID"
in_s nft list table netdev "$table" | grep -q 'ip daddr 10.32.0.2 drop' ||
    fail "no ingress rule for our address: $(in_s nft list tables)"
capture_start "$SNS" "$SIF" "$TMP/in.pcap" dst host 10.32.0.2 and tcp
before=$(addr_errors)
send_2mb
after=$(addr_errors)
capture_stop
seen=$(tcpdump -r "$TMP/in.pcap" -n 2>/dev/null | wc -l)
[ "$seen" -gt 100 ] || fail "tcpdump on $SIF saw only $seen segments to us"
[ $((after - before)) -lt 10 ] || fail "the kernel still parsed $((after - before)) of our datagrams"
echo "guard on: 2 MB received, tcpdump saw $seen segments, kernel IpInAddrErrors $before -> $after"
stop_server "$BG_PID" TERM || fail "server exit status $?"
in_s nft list tables | grep -q "$table" && fail "table netdev $table left after exit"

start_in "$SNS" server2 ./server --link packet --ifname "$SIF" --addr 10.32.0.2/24 --discard 9 --no-firewall
in_s nft list tables | grep -q 'ustack_' && fail "--no-firewall installed a table: $(in_s nft list tables)"
before=$(addr_errors)
send_2mb
after=$(addr_errors)
[ $((after - before)) -gt 100 ] || fail "without the guard the kernel counted only $((after - before))"
echo "guard off: kernel IpInAddrErrors $before -> $after (one per datagram to us)"
stop_server "$BG_PID" TERM || fail "server exit status $?"
echo "packet_quiet_kernel: ok"
