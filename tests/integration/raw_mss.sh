#!/usr/bin/env bash
# Raw mode's MSS follows the MTU of the kernel's route toward the peer
# (RFC 9293 3.7.1: MTU - 40), as Linux's does. The kernel's TCP, as client
# of our server, reads the MSS we offered with TCP_MAXSEG (less the 12
# bytes of timestamps it will carry; until our window has grown past twice
# the MSS it bounds the MSS by half the window, so it first sends a
# megabyte), and tcpdump reads the SYNs of our client. Loopback's MTU is
# 65536, and the largest IPv4 packet 65535, so we offer 65495 there; on a
# 9000-byte lo, 8960; with --mss 1400, 1400.
source "$(dirname "$0")/common.bash" python3 tcpdump

# maxseg_of_server PORT: the kernel client's TCP_MAXSEG toward our server.
maxseg_of_server() {
    timeout 10 ip netns exec "$NS" /usr/bin/env python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
data, got = b"x" * (1 << 20), 0
s.sendall(data)
while got < len(data):
    got += len(s.recv(1 << 20))
print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG))
s.close()' "$1"
}

# syn_mss_of_client ARGS...: the MSS option of the SYN that ./client ARGS
# sends to a kernel listener, as tcpdump on the namespace's lo reads it.
syn_mss_of_client() {
    ip netns exec "$NS" tcpdump -i lo -nn -c 1 -w "$TMP/syn.pcap" \
        'tcp dst port 9011 and tcp[tcpflags] & tcp-syn != 0' >/dev/null 2>"$TMP/tcpdump.err" &
    local tp=$!
    PIDS+=("$tp")
    for _ in $(seq 50); do grep -q listening "$TMP/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
    ip netns exec "$NS" python3 -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 9011)); l.listen(1); l.settimeout(10)
c, _ = l.accept(); c.close()' 2>"$TMP/listener.err" &
    local lp=$!
    PIDS+=("$lp")
    for _ in $(seq 50); do in_ns ss -ltn | grep -q ':9011 ' && break; sleep 0.1; done
    timeout 10 ip netns exec "$NS" ./client "$@" 127.0.0.1 9011 </dev/null >/dev/null 2>"$TMP/client.err"
    wait "$lp" 2>/dev/null
    timeout 5 tail --pid="$tp" -f /dev/null
    tcpdump -r "$TMP/syn.pcap" -nn -v 2>/dev/null | grep -o 'mss [0-9]*' | head -1 | awk '{print $2}'
}

check() {  # check WHAT GOT WANT
    [ "$2" = "$3" ] || fail "$1: $2, expected $3"
    echo "$1: $2"
}

start_server srv --log-level warning
check "lo (MTU 65536), kernel client's TCP_MAXSEG toward our server" "$(maxseg_of_server 8080)" 65483
check "lo (MTU 65536), the MSS in our client's SYN" "$(syn_mss_of_client)" 65495
check "lo, the MSS in the SYN of our client --mss 1400" "$(syn_mss_of_client --mss 1400)" 1400
stop_server "$SERVER_PID" INT || fail "server exit status $?"

in_ns ip link set lo mtu 9000
start_server srv2 --log-level warning
check "lo (MTU 9000), kernel client's TCP_MAXSEG toward our server" "$(maxseg_of_server 8080)" 8948
check "lo (MTU 9000), the MSS in our client's SYN" "$(syn_mss_of_client)" 8960
stop_server "$SERVER_PID" INT || fail "server exit status $?"
assert_no_tables "after raw_mss"
echo "raw_mss: ok"
