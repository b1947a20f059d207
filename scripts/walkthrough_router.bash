# Sourced by scripts/walkthrough.sh: the lesson's "A router of our own"
# (docs/walkthrough.md): the routed lab of scripts/lab-up.sh --routed, our
# stack the router between two kernel hosts. Uses step, in_lab, wait_listening,
# $WORK and $SUDO from walkthrough.sh. The lab is named rtr in the lesson;
# ours gets a name of its own (RLAB), shown as rtr.
RLAB="rtr$(( $$ % 100000 ))"
ROUTER_PID=""
router_run() { in_lab rtr "$RLAB" "$1"; }
router_cleanup() {
    [ -n "$ROUTER_PID" ] && $SUDO kill -TERM "$ROUTER_PID" 2>/dev/null && wait "$ROUTER_PID" 2>/dev/null
    $SUDO scripts/lab-down.sh --name "$RLAB" >/dev/null 2>&1
    lab_cleanup
}
trap router_cleanup EXIT

step 30-routed-lab "three hosts: h1 and h2 (the kernel) and our stack routing between them" \
    "sudo scripts/lab-up.sh --routed --name rtr --mtu2 1000" router_run
printf '$ sudo ip netns exec rtr-r ./server --link packet --ifname rtr-r1 --addr 10.1.0.1/24 --ifname rtr-r2 --addr 10.2.0.1/24 --forward --trace --log-level warning\n'
$SUDO ip netns exec "$RLAB-r" ./server --link packet --ifname "$RLAB-r1" --addr 10.1.0.1/24 \
    --ifname "$RLAB-r2" --addr 10.2.0.1/24 --forward --trace --log-level warning \
    >"$WORK/router.out" 2>"$WORK/router.err" &
ROUTER_PID=$!
wait_listening "$ROUTER_PID" router
cat "$WORK/router.out"
step 31-routed-ping "h1 pings h2 through us: one hop, so ttl=63" \
    "sudo ip netns exec rtr-h1 ping -c 2 -i 0.5 10.2.0.2" router_run
step 32-traceroute "traceroute finds our hop: Time Exceeded from 10.1.0.1" \
    "sudo ip netns exec rtr-h1 traceroute -n -I -q 1 10.2.0.2" router_run
step 33-ttl1 "TTL 1 runs out at the router" \
    "sudo ip netns exec rtr-h1 ping -c 1 -t 1 10.2.0.2" router_run
step 34-frag-needed "DF and larger than the second link (MTU 1000): Fragmentation Needed" \
    "sudo ip netns exec rtr-h1 ping -c 1 -M do -s 1400 10.2.0.2" router_run
sleep 0.3
printf '\n==== 35-router-trace: what the router saw and did (its --trace)\n'
sed "s/$RLAB/rtr/g" "$WORK/router.err" | tee "$WORK/35-router-trace.txt"
[ -n "$OUT" ] && cp "$WORK/35-router-trace.txt" "$OUT/35-router-trace.txt"
