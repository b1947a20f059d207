#!/usr/bin/env bash
# The mistakes a user can make, each answered with one clear line on stderr
# (and nothing else there) and a non-zero exit, and nothing left installed:
# not root, a port another instance serves, a bad address, an option that
# cannot work in the chosen link mode, nothing listening, a host that does
# not answer, a server that resets.
source "$(dirname "$0")/common.bash" python3 setpriv

# expect NAME WANT_RC PATTERN CMD...: runs CMD in the namespace, checks the
# exit status, that stderr is one line and matches PATTERN, and that it left
# no nftables table behind (the running server keeps its own).
expect() {
    local name=$1 want=$2 pattern=$3; shift 3
    local rc=0 before
    before=$(our_tables)
    timeout 30 ip netns exec "$NS" "$@" </dev/null >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
    local line
    line=$(tail -n 1 "$TMP/$name.err")
    [ "$rc" = "$want" ] || fail "$name: exit status $rc, want $want ($line)"
    grep -Eq "$pattern" <<<"$line" || fail "$name: message '$line' does not match '$pattern'"
    [ "$(wc -l <"$TMP/$name.err")" = 1 ] || fail "$name: stderr is not one line: $(cat "$TMP/$name.err")"
    [ "$(our_tables)" = "$before" ] || fail "$name left an nftables table: $(in_ns nft list tables)"
    echo "$name: exit $rc: $line"
}

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
expect not-root-server 1 '^server: raw sockets need root or CAP_NET_RAW: run with sudo$' "${nobody[@]}" ./server
expect not-root-client 1 '^client: raw sockets need root or CAP_NET_RAW: run with sudo$' "${nobody[@]}" ./client

expect bad-address-client 2 "^client: bad address '300.1.2.3'" ./client 300.1.2.3
expect bad-address-server 2 "^server: bad address 'nowhere'" ./server --addr nowhere
expect foreign-address 1 "^server: 192.0.2.7 is not an address of this host$" ./server --addr 192.0.2.7
expect bad-option 2 "^client: unrecognised option .*see --help" ./client --no-such-flag
expect bad-option-server 2 "^server: unrecognised option .*see --help" ./server --no-such-flag

# Options that cannot work in raw mode, or only there: refused before the
# stack opens (exit 2, no thread left to abort on).
expect udp-raw 2 '^server: --udp needs --link packet or tap' ./server --udp
expect addr-len-raw 2 "^server: --addr '127.0.0.1/8': raw mode takes a bare address" ./server --addr 127.0.0.1/8
expect addr-client-raw 2 '^client: --addr is for --link packet or tap' ./client --addr 10.0.0.2/24
expect ifname-raw 2 '^server: --ifname is for --link packet or tap' ./server --ifname eth0
expect gateway-raw 2 '^client: --gateway is for --link packet or tap' ./client --gateway 10.0.0.1
expect no-firewall-tap 2 '^server: --no-firewall is for raw and packet mode' ./server --link tap --addr 10.9.0.2/24 --no-firewall
expect pcap-ping-raw 2 '^ping: --pcap needs --link packet or tap' ./ping --pcap "$TMP/x.pcap" -c 1 127.0.0.1
expect tap-no-host-addr 2 '^client: --link tap needs --tap-host-addr H/len, the kernel side.s address' \
    ./client --link tap --addr 10.9.0.2/24 10.9.0.1
expect udp-client-raw 2 '^client: -u needs --link packet or tap' ./client -u 127.0.0.1 7
expect listen-host 2 '^client: -l PORT takes no HOST' ./client -l 9000 127.0.0.1
expect ping-count-0 2 '^ping: -c must be 1 or more' ./ping -c 0 127.0.0.1
expect packet-no-ifname 2 '^server: --link packet needs --ifname' ./server --link packet --addr 10.9.0.2/24
expect no-such-interface 1 '^server: ' ./server --link packet --ifname nosuch0 --addr 10.9.0.2/24
# Several interfaces: one --addr per --ifname; a route's gateway on one of their networks.
expect ifname-addr-count 2 '^server: 2 --ifname but 1 --addr: give one --addr per --ifname' \
    ./server --link packet --ifname a0 --addr 10.9.0.2/24 --ifname b0
expect route-syntax 2 "^client: bad --route '10.3.0.0/16' \(use 'NET/LEN via GW'" \
    ./client --link packet --ifname a0 --addr 10.9.0.2/24 --route 10.3.0.0/16 10.9.0.1
expect route-gateway 2 '^server: --route 10.3.0.0/16: gateway 10.8.0.1 is not on the network of any --addr' \
    ./server --link packet --ifname a0 --addr 10.9.0.2/24 --route '10.3.0.0/16 via 10.8.0.1'
expect forward-raw 2 '^server: --forward is for --link packet or tap' ./server --forward
expect timeout-range 2 '^client: --connect-timeout must be between 0 and 3600 seconds' ./client --connect-timeout -1
expect shared-port 2 '^server: discard and echo cannot share port 9' ./server --port 9 --discard 9

start_server srv --log-level warning
expect port-in-use 1 '^server: port 8080 is already in use$' ./server --log-level warning
expect refused 3 '^client: connection to 127.0.0.1:7 refused' ./client 127.0.0.1 7
# --connect-timeout 0: no deadline of the client's own; it connects as usual.
echo hi | timeout 20 ip netns exec "$NS" ./client --connect-timeout 0 127.0.0.1 8080 >"$TMP/t0.out" 2>"$TMP/t0.err" ||
    fail "--connect-timeout 0: exit $? ($(cat "$TMP/t0.err"))"
[ "$(cat "$TMP/t0.out")" = hi ] || fail "--connect-timeout 0: no echo"

# A host that does not answer: a route to a documentation prefix through
# lo. The SYN leaves from 0.0.0.0 (lo has no address of that route's
# scope), so our server's answer goes nowhere (nothing leaves the
# namespace). With lo's route_localnet on when the route is made, which
# the server above turned on (super-segments on lo), the kernel would give
# the route 127.0.0.1 as its source and our server would answer; so it goes
# off first, and this client leaves it off.
in_ns sysctl -q -w net.ipv4.conf.lo.route_localnet=0
in_ns ip route add 198.51.100.0/24 dev lo
expect timed-out 4 '^client: connection to 198.51.100.9:8080 timed out \(no answer in 2 s\)$' \
    ./client --connect-timeout 2 --no-loopback-gso 198.51.100.9
expect unreachable 6 '^client: 203.0.113.5 is unreachable \(no route to it\)$' ./client 203.0.113.5

# A server that accepts, then resets (SO_LINGER 0).
ip netns exec "$NS" python3 -c '
import socket, struct, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 9011)); l.listen()
c, _ = l.accept(); time.sleep(0.5)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close(); time.sleep(1)' &
PIDS+=($!)
for _ in $(seq 50); do in_ns ss -ltn | grep -q ':9011 ' && break; sleep 0.1; done
rc=0
(sleep 5) | timeout 30 ip netns exec "$NS" ./client 127.0.0.1 9011 >"$TMP/reset.out" 2>"$TMP/reset.err" || rc=$?
line=$(tail -n 1 "$TMP/reset.err")
[ "$rc" = 5 ] || fail "reset: exit status $rc, want 5 ($line)"
grep -q '^client: connection to 127.0.0.1:9011 reset by the server$' <<<"$line" || fail "reset: message '$line'"
echo "reset: exit $rc: $line"

stop_server "$SERVER_PID" INT || fail "server exit status $?"
assert_no_tables "after errors"
echo "errors: ok"
