#!/usr/bin/env bash
# Both ends ours: our client in packet mode and our server in packet mode in
# another namespace, across the veth (ARP between two of our stacks); then
# our server in tap mode and our client in packet mode on the TAP's host
# side. Captures with tcpdump show the ARP exchange between our two MACs.
source "$(dirname "$0")/common.bash" tcpdump
source "$(dirname "$0")/lab.bash"
lab_up --net 10.34.0

# 1. packet <-> packet. The client takes a MAC of its own on the kernel's
#    side (the interface goes promiscuous for it).
start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.34.0.2/24 --mac 02:00:00:00:34:02
capture_start "$KNS" "$KIF" "$TMP/arp.pcap" arp
got=$(printf 'one\ntwo\n' | in_k timeout 15 ./client --link packet --ifname "$KIF" \
      --addr 10.34.0.3/24 --mac 02:00:00:00:34:03 10.34.0.2 8080)
[ "$got" = $'one\ntwo' ] || fail "packet client <-> packet server: got '$got'"
capture_stop
arp=$(tcpdump -n -e -r "$TMP/arp.pcap" 2>/dev/null)
echo "$arp" | grep -q "02:00:00:00:34:03 > ff:ff:ff:ff:ff:ff.*Request who-has 10.34.0.2 tell 10.34.0.3" ||
    fail "no ARP request from our client: $arp"
echo "$arp" | grep -q "02:00:00:00:34:02 > 02:00:00:00:34:03.*Reply 10.34.0.2 is-at 02:00:00:00:34:02" ||
    fail "no ARP reply from our server: $arp"
echo "packet client <-> packet server in another namespace; ARP between them:"
echo "$arp" | grep -E "who-has 10.34.0.2|is-at" | head -2
stop_server "$BG_PID" INT || fail "server exited with $?"

# 2. tap server <-> packet client bound to the TAP's host side.
start_in "$KNS" server2 ./server --link tap --ifname "$LAB-t" --tap-host-addr 10.35.0.1/24 --addr 10.35.0.2/24
got=$(printf 'via the tap\n' | in_k timeout 15 ./client --link packet --ifname "$LAB-t" \
      --addr 10.35.0.3/24 --mac 02:00:00:00:35:03 10.35.0.2 8080)
[ "$got" = "via the tap" ] || fail "packet client <-> tap server: got '$got'"
echo "packet client <-> tap server"
stop_server "$BG_PID" INT || fail "server exited with $?"
echo ok
