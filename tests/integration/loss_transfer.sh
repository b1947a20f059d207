#!/usr/bin/env bash
# 10 MB through our echo server with 2% of TCP packets dropped, byte-exact
# (sha256), and the same transfer through a kernel echo server in the same
# run for comparison. The times are printed, never asserted.
#
# The drop is in prerouting, on the receiving side of loopback: a drop in
# the sender's own output path is reported to the kernel's TCP, which would
# resend at once and hide the loss (local drops are not loss).
# Segmentation offloads are off on this lo so that the kernel sends
# MSS-sized segments, as on a real link: with them on it sends 64 KiB
# super-packets over loopback and 2% "per packet" means far fewer losses
# for the kernel than for us.
source "$(dirname "$0")/common.bash" python3 socat ethtool
BYTES=10000000
in_ns ethtool -K lo tso off gso off >/dev/null 2>&1 || fail "cannot switch segmentation offloads off on lo"
# Both stacks then use MSS 1460 (the MTU less 40), as on Ethernet.
in_ns ip link set lo mtu 1500
in_ns nft -f - <<'NFT' || fail "cannot install the loss rule"
table inet ustk_loss {
  chain prerouting {
    type filter hook prerouting priority -300; policy accept;
    meta l4proto tcp numgen random mod 100 < 2 counter drop
  }
}
NFT

start_server srv --log-level warning --stats
ip netns exec "$NS" socat TCP-LISTEN:9007,reuseaddr,fork EXEC:cat 2>"$TMP/socat.err" &
PIDS+=($!)
for _ in $(seq 50); do in_ns ss -ltn | grep -q ':9007 ' && break; sleep 0.1; done

ours=$(timeout 240 ip netns exec "$NS" python3 tests/integration/echo_check.py bulk 127.0.0.1 8080 $BYTES) ||
    fail "10 MB through our server with 2% loss: $ours"
kernel=$(timeout 120 ip netns exec "$NS" python3 tests/integration/echo_check.py bulk 127.0.0.1 9007 $BYTES) ||
    fail "10 MB through the kernel echo server: $kernel"
drops=$(in_ns nft list table inet ustk_loss | grep -o 'packets [0-9]*' | awk '{print $2}')
echo "our echo server:    $ours"
echo "kernel echo server: $kernel"
echo "(2% loss in prerouting dropped $drops packets over both runs)"

stop_server "$SERVER_PID" TERM || fail "server exit status $?"
grep '^stats:' "$TMP/srv.err"
in_ns nft delete table inet ustk_loss
assert_no_tables "after loss_transfer"
echo "loss_transfer: ok"
