#!/usr/bin/env bash
# GSO in packet mode: our client sends 50 MB through AF_PACKET on a veth
# (offloads off) to a kernel sink (socat into a file). The stack hands the
# kernel TCP super-packets with a virtio_net_hdr (link/packet's send-only
# PACKET_VNET_HDR socket), and the kernel cuts them into MSS-sized pieces
# in software and completes each checksum, as for its own TCP. The bytes
# must arrive exact (sha256), the stack must have sent super-segments
# (--stats tso_segs_out), none refused (send errors 0), and the kernel must
# have received only MTU-sized packets with no checksum error. Then 20 MB
# with --corrupt 2: a corrupted super-packet is cut into its pieces by the
# fault injector (the veth would drop it whole, being over its MTU), one
# piece damaged; the kernel must count checksum errors and the bytes still
# arrive exact.
source "$(dirname "$0")/common.bash" socat sha256sum head stat ss nstat
source "$(dirname "$0")/lab.bash"
lab_up --net 10.33.0

head -c 50000000 /dev/urandom >"$TMP/in.bin"
in_k socat -u TCP-LISTEN:9300,reuseaddr OPEN:"$TMP/got.bin",creat,trunc &
PIDS+=("$!")
for _ in $(seq 50); do in_k ss -ltn | grep -q ":9300 " && break; sleep 0.1; done

in_s timeout 60 ./client --link packet --ifname "$SIF" --addr 10.33.0.2/24 --stats 10.33.0.1 9300 \
    <"$TMP/in.bin" >"$TMP/client.out" 2>"$TMP/client.err" || fail "client exited with $?"
for _ in $(seq 100); do [ "$(stat -c %s "$TMP/got.bin" 2>/dev/null)" = 50000000 ] && break; sleep 0.1; done
[ "$(sha256sum <"$TMP/in.bin")" = "$(sha256sum <"$TMP/got.bin")" ] \
    || fail "the sink got $(stat -c %s "$TMP/got.bin") bytes, not the same as the 50000000 sent"
echo "50 MB from our stack through AF_PACKET arrived byte-exact at a kernel sink (sha256)"

tso=$(grep -o 'tso_segs_out:[0-9]*' "$TMP/client.err" | head -1 | cut -d: -f2)
[ -n "$tso" ] && [ "$tso" -gt 0 ] || fail "no super-segments counted (--stats: $(grep -o 'tso_segs_out:[0-9]*' "$TMP/client.err"))"
grep -q "send errors 0;" "$TMP/client.err" || fail "the kernel refused frames: $(grep -o 'send errors [0-9]*' "$TMP/client.err")"
echo "the stack sent $tso super-segments, none refused"

counter() { in_k nstat -az "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
pkts=$(counter IpInReceives)
octets=$(counter IpExtInOctets)
[ "$(counter TcpInCsumErrors)" = 0 ] || fail "the kernel counted $(counter TcpInCsumErrors) TCP checksum errors"
[ -n "$pkts" ] && [ "$pkts" -gt 0 ] || fail "nstat: no IpInReceives"
avg=$((octets / pkts))
[ "$avg" -le 1500 ] || fail "the kernel received $avg bytes a packet on a 1500-byte MTU link"
echo "ok: the kernel received $pkts IPv4 packets, $avg bytes on average, no checksum error"

in_k nstat -n
in_k socat -u TCP-LISTEN:9301,reuseaddr OPEN:"$TMP/got2.bin",creat,trunc &
PIDS+=("$!")
for _ in $(seq 50); do in_k ss -ltn | grep -q ":9301 " && break; sleep 0.1; done
head -c 20000000 "$TMP/in.bin" >"$TMP/in2.bin"
in_s timeout 90 ./client --link packet --ifname "$SIF" --addr 10.33.0.2/24 --corrupt 2 --seed 11 --stats \
    10.33.0.1 9301 <"$TMP/in2.bin" >"$TMP/client2.out" 2>"$TMP/client2.err" || fail "client --corrupt exited with $?"
for _ in $(seq 100); do [ "$(stat -c %s "$TMP/got2.bin" 2>/dev/null)" = 20000000 ] && break; sleep 0.1; done
[ "$(sha256sum <"$TMP/in2.bin")" = "$(sha256sum <"$TMP/got2.bin")" ] \
    || fail "with --corrupt the sink got $(stat -c %s "$TMP/got2.bin") bytes, not the 20000000 sent"
corrupted=$(grep -o 'corrupted:[0-9]*' "$TMP/client2.err" | head -1 | cut -d: -f2)
[ -n "$corrupted" ] && [ "$corrupted" -gt 0 ] || fail "the injector corrupted nothing"
caught=$(in_k nstat | awk '$1 ~ /^(TcpInCsumErrors|IpInHdrErrors|IpExtInCsumErrors)$/ { s += $2 } END { print s + 0 }')
[ "$caught" -gt 0 ] || fail "the kernel counted no checksum error for $corrupted corrupted packets"
echo "ok: --corrupt 2: 20 MB byte-exact, $corrupted packets corrupted, $caught caught by the kernel's checksums"
