#!/usr/bin/env bash
# ./dump on one end of a veth pair decodes what the kernel sends and receives:
# an ARP exchange, a ping, and a TCP exchange through nc, in the --trace
# format. Checksum offload stays on (the default on a veth), so the kernel's
# TCP frames arrive with TP_STATUS_CSUMNOTREADY: none may be called bad.
#
# Run as root by tests/run_all.sh: exit 0 pass, 77 skip, anything else fail.
# Everything happens in two network namespaces of its own, removed on exit.
set -u
cd "$(dirname "$0")/../.."

source tests/integration/require.bash
need_root
need ip nc ss ping ethtool timeout
[ -x ./dump ] || { echo "FAIL: ./dump is not built (make dump)"; exit 1; }

A=dump-a-$$ B=dump-b-$$
tmp=$(mktemp -d)
dump_pid= nc_pid=
cleanup() {
    [ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null
    [ -n "$nc_pid" ] && kill "$nc_pid" 2>/dev/null
    wait 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    echo "--- ./dump printed:"
    cat "$tmp/out"
    echo "--- ./dump stderr:"
    cat "$tmp/err"
    exit 1
}

# Polls a command for up to 5 s.
wait_for() {
    for _ in $(seq 50); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

ip netns add "$A" && ip netns add "$B" || exit 1
for ns in "$A" "$B"; do
    # No IPv6: its router solicitations would only add noise to the output.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add va netns "$A" type veth peer name vb netns "$B" || exit 1
ip -n "$A" link set va address 02:00:00:00:00:0a
ip -n "$B" link set vb address 02:00:00:00:00:0b
ip -n "$A" addr add 192.0.2.1/24 dev va
ip -n "$B" addr add 192.0.2.2/24 dev vb
ip -n "$A" link set va up
ip -n "$B" link set vb up

# One capture: ./dump on va while `traffic` runs, then Ctrl-C, as a user does.
capture() {
    : >"$tmp/out"
    ip netns exec "$A" ./dump --ifname va >"$tmp/out" 2>"$tmp/err" &
    dump_pid=$!
    wait_for grep -q "listening on va" "$tmp/err" || fail "./dump did not start"
    "$@"
    sleep 0.3  # the kernel's last ACK
    kill -INT "$dump_pid"
    wait "$dump_pid" || fail "./dump exited with $?"
    dump_pid=
}

# A TCP exchange with the kernel on both ends: "hello, tcp" from A to B.
tcp_exchange() {
    ip netns exec "$B" timeout 10 nc -l 5000 >"$tmp/got" </dev/null &
    nc_pid=$!
    wait_for sh -c "ip netns exec $B ss -ltn | grep -q ':5000 '" || fail "nc did not listen"
    printf 'hello, tcp\n' | ip netns exec "$A" timeout 10 nc -N 192.0.2.2 5000 || fail "nc failed"
    wait "$nc_pid"
    nc_pid=
    [ "$(cat "$tmp/got")" = "hello, tcp" ] || fail "nc's data did not arrive"
}

ping_then_tcp() {
    # The first ping needs ARP first.
    ip netns exec "$A" ping -c 2 -i 0.2 -W 2 192.0.2.2 >/dev/null || fail "ping failed"
    tcp_exchange
}

expect() {
    grep -qF -- "$1" "$tmp/out" || fail "no line with: $1"
}
expect_tcp() {
    expect "192.0.2.1:"
    expect "--> 192.0.2.2:5000        [SYN] Seq=0 (ISN "
    expect "<-- 192.0.2.2:5000        [SYN,ACK] Seq=0 (ISN "
    expect "--> 192.0.2.2:5000        [ACK] Seq=1 Ack=1 "
    expect "--> 192.0.2.2:5000        [PSH,ACK] Seq=1 Ack=1 "
    expect " Len=11 "
    expect "<-- 192.0.2.2:5000        [ACK] Seq=1 Ack=12 "
    expect "--> 192.0.2.2:5000        [FIN,ACK] Seq=12 Ack=1 "
    grep -q "BAD" "$tmp/out" && fail "a frame was called bad"
    grep -q "not decoded" "$tmp/out" && fail "a frame was not decoded"
    grep -q $'\x1b' "$tmp/out" && fail "colour codes in a pipe"
}

# 1. Offloads on (a veth's default): ARP, ping and TCP.
capture ping_then_tcp
expect "02:00:00:00:00:0a     --> ff:ff:ff:ff:ff:ff     ARP Request who-has 192.0.2.2? tell 192.0.2.1"
expect "02:00:00:00:00:0a     <-- 02:00:00:00:00:0b     ARP Reply 192.0.2.2 is-at 02:00:00:00:00:0b"
expect "192.0.2.1             --> 192.0.2.2             ICMP Echo id="
expect "192.0.2.1             <-- 192.0.2.2             ICMP EchoReply id="
expect_tcp
first=$(cat "$tmp/out")

# 2. Offloads off: every checksum is real, verified, and good.
ip netns exec "$A" ethtool -K va tx off rx off tso off gso off gro off >/dev/null 2>&1
ip netns exec "$B" ethtool -K vb tx off rx off tso off gso off gro off >/dev/null 2>&1
capture tcp_exchange
expect_tcp
grep -q "cksum offloaded" "$tmp/out" && fail "offload reported with offloads off"

echo "ok: ./dump decoded ARP, ping and TCP, with and without checksum offload"
echo "$first"
exit 0
