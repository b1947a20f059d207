#!/usr/bin/env bash
# TSO on the TAP: our client sends 50 MB through its TAP to a kernel sink
# (socat into a file). The bytes must arrive exact (sha256), and the stack
# must really have sent super-segments: its --stats count them
# (tso_segs_out), none was refused (send errors 0), and the kernel's own
# IP counters (nstat: packets and octets received in the namespace) show
# packets far longer than the 1500-byte MTU on average (delivered locally, a
# super-packet stays whole, as after GRO; without TSO the average is below
# 1500).
source "$(dirname "$0")/common.bash" socat sha256sum head stat ss nstat
TAPIF="ts$$"
TAPIF=${TAPIF:0:15}

head -c 50000000 /dev/urandom >"$TMP/in.bin"
in_ns socat -u TCP-LISTEN:9300,reuseaddr OPEN:"$TMP/got.bin",creat,trunc &
PIDS+=("$!")
for _ in $(seq 50); do in_ns ss -ltn | grep -q ":9300 " && break; sleep 0.1; done

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

grep -q "send errors 0;" "$TMP/client.err" || fail "the TAP refused packets: $(grep -o 'send errors [0-9]*' "$TMP/client.err")"
counter() { in_ns nstat -az "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
pkts=$(counter IpInReceives)
octets=$(counter IpExtInOctets)
[ -n "$pkts" ] && [ "$pkts" -gt 0 ] || fail "nstat: no IpInReceives"
avg=$((octets / pkts))
[ "$avg" -gt 3000 ] || fail "the kernel received $pkts packets, $octets bytes: $avg bytes a packet, no super-packets"
echo "ok: the kernel received $pkts IPv4 packets from us, $avg bytes on average (MTU 1500)"
