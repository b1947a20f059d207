#!/usr/bin/env bash
# Floods at our packet-mode server, each bounded in packets and paced, sent
# only on the lab's own veth: ARP requests from thousands of spoofed
# senders, ICMP echo (ping -f), and random garbage frames (truncated and
# lying headers). After each: the server's RSS has not grown (within 2 MB),
# the ARP cache stayed bounded, the garbage was counted as malformed, and a
# legitimate ping and an nc echo still work. (SYN and fragment floods have
# tests of their own: syn_flood.sh, reassembly.sh.)
source "$(dirname "$0")/common.bash" python3 nc ss
source "$(dirname "$0")/lab.bash"
lab_up --net 10.37.0
start_in "$SNS" server ./server --link packet --ifname "$SIF" --addr 10.37.0.2/24 --stats
SRV=$BG_PID
MAC=$(in_s cat /sys/class/net/"$SIF"/address)
in_k ping -c 1 -W 2 10.37.0.2 >/dev/null || fail "the stack does not answer ping"

rss() { awk '/VmRSS/ {print $2}' "/proc/$SRV/status"; }
still_serves() {
    in_k ping -c 2 -i 0.2 -W 2 10.37.0.2 >/dev/null || fail "$1: no answer to ping afterwards"
    local got
    got=$(printf 'still here\n' | in_k timeout 10 nc -N 10.37.0.2 8080)
    [ "$got" = "still here" ] || fail "$1: nc echo afterwards got '$got'"
}
flood() {
    local name=$1; shift
    local before after
    before=$(rss)
    "$@" >"$TMP/$name.out" 2>&1 || fail "$name flood: $(cat "$TMP/$name.out")"
    sleep 0.3
    after=$(rss)
    echo "$name: $(tail -n 1 "$TMP/$name.out"); server RSS ${before} -> ${after} kB"
    [ $((after - before)) -lt 2048 ] || fail "$name: the server grew by $((after - before)) kB"
    kill -0 "$SRV" 2>/dev/null || fail "$name: the server died"
    still_serves "$name"
}

flood arp in_k python3 tests/integration/flood_craft.py "$KIF" "$MAC" 10.37.0.2 arp 20000
flood echo in_k timeout 30 ping -f -c 20000 -q 10.37.0.2
flood garbage in_k python3 tests/integration/flood_craft.py "$KIF" "$MAC" 10.37.0.2 garbage 20000

stop_server "$SRV" TERM || fail "server exited with $? after SIGTERM"
stats=$(grep "^stats:" "$TMP/server.err")
malformed=$(sed -nE 's/.*; malformed ([0-9]+).*/\1/p' <<<"$stats")
echo "server at exit: malformed $malformed; $(grep -o 'ARP in [0-9]*' <<<"$stats"); $(grep -o 'echo replies [0-9]*' <<<"$stats")"
[ "${malformed:-0}" -gt 1000 ] || fail "the garbage was not counted as malformed: $stats"
echo "floods: ok"
