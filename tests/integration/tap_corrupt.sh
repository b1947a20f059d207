#!/usr/bin/env bash
# --corrupt on TSO super-packets through the TAP. Our client sends 20 MB to
# a kernel sink with 2% of its packets corrupted: a super-packet's TCP
# checksum is partial (the kernel completes it per piece), so the fault
# injector cuts a super-packet it corrupts into its pieces itself (link/gso),
# each with a whole checksum, and flips a byte in one, as the wire would
# after a NIC's TSO; the kernel must then catch every flipped byte (its TCP
# or IP checksum error counters rise) and TCP resend the data, so the bytes
# arrive exact (sha256). Were a corrupted super-packet left partial, the
# kernel would sum over the flipped byte and deliver it: the sha256 would
# differ.
source "$(dirname "$0")/common.bash" socat sha256sum head stat ss nstat
TAPIF="tc$$"
TAPIF=${TAPIF:0:15}
BYTES=20000000

head -c $BYTES /dev/urandom >"$TMP/in.bin"
in_ns socat -u TCP-LISTEN:9301,reuseaddr OPEN:"$TMP/got.bin",creat,trunc &
PIDS+=("$!")
for _ in $(seq 50); do in_ns ss -ltn | grep -q ":9301 " && break; sleep 0.1; done

in_ns timeout 90 ./client --link tap --ifname "$TAPIF" --tap-host-addr 10.38.0.1/24 --addr 10.38.0.2/24 \
    --corrupt 2 --seed 11 --stats 10.38.0.1 9301 <"$TMP/in.bin" >"$TMP/client.out" 2>"$TMP/client.err" \
    || fail "client exited with $?"
for _ in $(seq 100); do [ "$(stat -c %s "$TMP/got.bin" 2>/dev/null)" = $BYTES ] && break; sleep 0.1; done
[ "$(sha256sum <"$TMP/in.bin")" = "$(sha256sum <"$TMP/got.bin")" ] \
    || fail "the sink got $(stat -c %s "$TMP/got.bin") bytes, not the same as the $BYTES sent"
echo "20 MB with 2% of our packets corrupted arrived byte-exact at a kernel sink (sha256)"

tso=$(grep -o 'tso_segs_out:[0-9]*' "$TMP/client.err" | head -1 | cut -d: -f2)
[ -n "$tso" ] && [ "$tso" -gt 0 ] || fail "no super-segments counted: the test would prove nothing"
corrupted=$(grep -o 'corrupted:[0-9]*' "$TMP/client.err" | head -1 | cut -d: -f2)
[ -n "$corrupted" ] && [ "$corrupted" -gt 0 ] || fail "the injector corrupted nothing ($(grep '^faults:' "$TMP/client.err"))"
counter() { in_ns nstat -az "$1" | awk -v k="$1" '$1 == k { s += $2 } END { print s + 0 }'; }
caught=$(( $(counter TcpInCsumErrors) + $(counter IpInHdrErrors) + $(counter IpExtInCsumErrors) ))
[ "$caught" -gt 0 ] || fail "the kernel counted no checksum error for $corrupted corrupted packets"
echo "ok: $tso super-segments, $corrupted packets corrupted, $caught caught by the kernel's checksums"
