#!/usr/bin/env bash
# ./ping: from the stack (packet mode) to the kernel, also -s 4000 (our
# fragments, the kernel's reply in fragments), to an address nobody has
# (100% loss, exit 1, clean), and in raw mode. Then the RTT comparison on
# one veth, in one run (printed, never asserted): kernel -> kernel,
# kernel -> our stack, our stack -> kernel.
source "$(dirname "$0")/common.bash"
source "$(dirname "$0")/lab.bash"
lab_up --net 10.39.0
[ -x ./ping ] || fail "./ping is not built"
# The stack's side also gets a kernel address, for the kernel<->kernel baseline
# over the same veth; our stacks take .2 and .4 beside it.
in_s ip addr add 10.39.0.3/24 dev "$SIF"
start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.39.0.2/24
STACK=(--link packet --ifname "$SIF" --addr 10.39.0.4/24)

in_s ./ping "${STACK[@]}" -c 3 -i 0.2 10.39.0.1 >"$TMP/p.out" || fail "./ping to the kernel: $(cat "$TMP/p.out")"
grep -q "^64 bytes from 10.39.0.1: icmp_seq=1 ttl=64 time=" "$TMP/p.out" || fail "reply line: $(cat "$TMP/p.out")"
grep -q "3 packets transmitted, 3 received, 0% packet loss" "$TMP/p.out" || fail "summary: $(cat "$TMP/p.out")"
grep -q "^rtt min/avg/max/mdev = " "$TMP/p.out" || fail "rtt line: $(cat "$TMP/p.out")"
cat "$TMP/p.out"
in_s ./ping "${STACK[@]}" -c 2 -i 0.2 -s 4000 10.39.0.1 >"$TMP/p4k.out" || fail "./ping -s 4000: $(cat "$TMP/p4k.out")"
grep -q "^4008 bytes from 10.39.0.1" "$TMP/p4k.out" || fail "./ping -s 4000: $(cat "$TMP/p4k.out")"
echo "./ping -s 4000: $(grep -c '^4008 bytes' "$TMP/p4k.out") replies of 4008 bytes"

start=$(date +%s)
in_s timeout 20 ./ping "${STACK[@]}" -c 2 -i 0.2 -W 1 10.39.0.99 >"$TMP/silent.out" 2>&1
rc=$?
[ $rc = 1 ] || fail "./ping to a silent address exited $rc: $(cat "$TMP/silent.out")"
grep -q "2 packets transmitted, 0 received, 100% packet loss" "$TMP/silent.out" || fail "$(cat "$TMP/silent.out")"
echo "silent address: $(grep 'packet loss' "$TMP/silent.out"), exit 1 after $(( $(date +%s) - start )) s"

in_k ./ping -c 2 -i 0.2 10.39.0.3 >"$TMP/raw.out" || fail "raw-mode ./ping: $(cat "$TMP/raw.out")"
echo "raw mode: $(grep 'packet loss' "$TMP/raw.out")"

# iputils' conventions: the header, -q (header and summary only), -t, -I,
# -w (a deadline: it ends, exit 0 with replies), -c 0 refused.
grep -q '^PING 10.39.0.1 (10.39.0.1) 56(84) bytes of data\.$' "$TMP/p.out" || fail "header: $(head -n 1 "$TMP/p.out")"
in_s ./ping "${STACK[@]}" -q -c 3 -i 0.2 10.39.0.1 >"$TMP/q.out" || fail "./ping -q exited $?"
[ "$(grep -c . "$TMP/q.out")" = 4 ] || fail "-q printed more than header and summary: $(cat "$TMP/q.out")"
grep -q '^PING ' "$TMP/q.out" && grep -q '3 packets transmitted, 3 received' "$TMP/q.out" &&
    grep -q '^rtt min/avg/max/mdev' "$TMP/q.out" || fail "-q: $(cat "$TMP/q.out")"
echo "-q -c 3: only the header and the summary ($(grep -c . "$TMP/q.out") lines)"
in_s ./ping "${STACK[@]}" -c 1 -t 7 -I 10.39.0.4 10.39.0.1 >"$TMP/t.out" || fail "./ping -t 7 -I: $(cat "$TMP/t.out")"
grep -q '^PING 10.39.0.1 (10.39.0.1) from 10.39.0.4: 56(84)' "$TMP/t.out" || fail "-I header: $(head -n 1 "$TMP/t.out")"
in_k ./ping -c 1 -t 1 -I "$KIF" 10.39.0.3 >"$TMP/traw.out" || fail "raw ./ping -t 1 -I $KIF: $(cat "$TMP/traw.out")"
rc=0
in_s ./ping "${STACK[@]}" -c 1 -I 10.39.0.9 10.39.0.1 >/dev/null 2>"$TMP/badI.err" || rc=$?
[ $rc = 2 ] && grep -q '^ping: -I 10.39.0.9 is not our address' "$TMP/badI.err" || fail "-I foreign: $rc $(cat "$TMP/badI.err")"
echo "-t 7 -I 10.39.0.4 (stack), -t 1 -I $KIF (raw): replies; a foreign -I refused"
rc=0
in_s timeout 10 ./ping "${STACK[@]}" -w 1 -i 0.2 10.39.0.1 >"$TMP/w.out" 2>&1 || rc=$?
[ $rc = 0 ] || fail "-w 1 exited $rc: $(cat "$TMP/w.out")"
grep -q 'packets transmitted' "$TMP/w.out" || fail "-w 1: no summary: $(cat "$TMP/w.out")"
echo "-w 1: ended by itself, exit 0: $(grep 'packet loss' "$TMP/w.out")"
rc=0
in_s timeout 10 ./ping "${STACK[@]}" -w 1 -W 1 10.39.0.99 >"$TMP/w99.out" 2>&1 || rc=$?
[ $rc = 1 ] || fail "-w 1 to a silent address exited $rc: $(cat "$TMP/w99.out")"
for bad in "-c 0" "-c -1" "-i 0.001" "-t 0" "-s 70000"; do
    rc=0
    # shellcheck disable=SC2086
    in_s ./ping "${STACK[@]}" $bad 10.39.0.1 >/dev/null 2>"$TMP/bad.err" || rc=$?
    [ $rc = 2 ] && [ "$(wc -l <"$TMP/bad.err")" = 1 ] && grep -q '^ping: ' "$TMP/bad.err" ||
        fail "./ping $bad: exit $rc, stderr: $(cat "$TMP/bad.err")"
    echo "./ping $bad: exit 2: $(cat "$TMP/bad.err")"
done
if ./ping --help | grep -Eq -- '--(mss|cc|no-sack|msl-ms|diagram|nodelay|no-firewall|stats)'; then
    fail "./ping --help lists TCP options"
fi

# A lab mistake: --addr that the kernel already has on --ifname. Both would
# answer ARP for it; refused before anything is opened.
rc=0
in_s ./ping --link packet --ifname "$SIF" --addr 10.39.0.3/24 -c 1 10.39.0.1 >/dev/null 2>"$TMP/dup.err" || rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$TMP/dup.err")" = 1 ] &&
    grep -q "^ping: --addr 10.39.0.3 is already the kernel's address on $SIF: both would answer ARP" "$TMP/dup.err" ||
    fail "kernel's own address: exit $rc: $(cat "$TMP/dup.err")"
echo "--addr the kernel has: exit 2: $(cat "$TMP/dup.err")"

# The comparison: the same veth, the same run, 50 echoes each.
rtt() { sed -nE 's#^rtt min/avg/max/mdev = ([^ ]+) ms#\1#p' "$1"; }
in_k ping -q -c 50 -i 0.02 10.39.0.3 >"$TMP/kk.out" || fail "kernel->kernel ping"
in_k ping -q -c 50 -i 0.02 10.39.0.2 >"$TMP/ks.out" || fail "kernel->stack ping"
in_s ./ping "${STACK[@]}" -c 50 -i 0.02 10.39.0.1 >"$TMP/sk.out" || fail "stack->kernel ./ping"
echo "RTT on one veth, min/avg/max/mdev in ms (50 echoes each):"
echo "  kernel -> kernel     $(rtt "$TMP/kk.out")"
echo "  kernel -> our stack  $(rtt "$TMP/ks.out")"
echo "  our stack -> kernel  $(rtt "$TMP/sk.out")"
stop_server "$BG_PID" INT || fail "server exited with $?"
echo ok
