#!/usr/bin/env bash
# TSO on the TAP: our client sends 50 MB through its TAP to a kernel sink
# (socat into a file). The bytes must arrive exact (sha256), and the stack
# must really have sent super-segments: its --stats count them
# (tso_segs_out), and tcpdump on the TAP sees IPv4 packets longer than the
# 1500-byte MTU coming from us (the kernel cuts them up only if it must
# forward them; delivered locally they stay whole, as after GRO).
source "$(dirname "$0")/common.bash" socat tcpdump sha256sum head ss
TAPIF="ts$$"
TAPIF=${TAPIF:0:15}

head -c 50000000 /dev/urandom >"$TMP/in.bin"
in_ns socat -u TCP-LISTEN:9300,reuseaddr OPEN:"$TMP/got.bin",creat,trunc &
PIDS+=("$!")
for _ in $(seq 50); do in_ns ss -ltn | grep -q ":9300 " && break; sleep 0.1; done

# tcpdump waits for the TAP to appear, then keeps 3 packets over 1600 bytes.
( for _ in $(seq 100); do in_ns ip link show "$TAPIF" >/dev/null 2>&1 && break; sleep 0.05; done
  in_ns timeout 60 tcpdump -i "$TAPIF" -n -c 3 -w "$TMP/big.pcap" 'ip src 10.36.0.2 and tcp and greater 1600' \
      2>"$TMP/tcpdump.log" ) &
PIDS+=("$!")
TD=$!

in_ns timeout 60 ./client --link tap --ifname "$TAPIF" --tap-host-addr 10.36.0.1/24 --addr 10.36.0.2/24 \
    --stats 10.36.0.1 9300 <"$TMP/in.bin" >"$TMP/client.out" 2>"$TMP/client.err" \
    || fail "client exited with $?"
for _ in $(seq 100); do [ "$(stat -c %s "$TMP/got.bin" 2>/dev/null)" = 50000000 ] && break; sleep 0.1; done
[ "$(sha256sum <"$TMP/in.bin")" = "$(sha256sum <"$TMP/got.bin")" ] \
    || fail "the sink got $(stat -c %s "$TMP/got.bin") bytes, not the same as the 50000000 sent"
echo "50 MB from our stack through the TAP arrived byte-exact at a kernel sink (sha256)"

tso=$(grep -o 'tso_segs_out:[0-9]*' "$TMP/client.err" | head -1 | cut -d: -f2)
[ -n "$tso" ] && [ "$tso" -gt 0 ] || fail "no super-segments counted (--stats: $(grep -o 'tso_segs_out:[0-9]*' "$TMP/client.err"))"
echo "the stack sent $tso super-segments"

wait "$TD" 2>/dev/null
n=$(tcpdump -r "$TMP/big.pcap" -n 2>/dev/null | grep -c 'length')
[ "$n" -ge 1 ] || fail "tcpdump on the TAP saw no packet from us over 1600 bytes: $(cat "$TMP/tcpdump.log")"
echo "ok: tcpdump on $TAPIF: $(tcpdump -r "$TMP/big.pcap" -n -v 2>/dev/null | grep -o 'length [0-9]*)' | head -1) from us"
