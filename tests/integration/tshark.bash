# Sourced by the pcap tests: tshark with IP and TCP checksum validation on,
# and helpers to count, verify and reassemble what a --pcap file holds.
tshark_q() { tshark "$@" 2>/dev/null; }
CHECKS=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE)

# count FILE FILTER: packets matching a display filter.
count() { tshark_q -r "$1" "${CHECKS[@]}" -Y "$2" | wc -l; }

# follow FILE DIR OUT: the bytes of TCP stream 0 in one direction (0: from
# the side that sent the first packet, the client; 1: the other way).
follow() {
    tshark_q -r "$1" -q -z follow,tcp,raw,0 | python3 -c '
import sys
want = sys.argv[1] == "1"
out = bytearray()
body = False
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("Node 1:"): body = True; continue
    if not body or not line or line.startswith("="): continue
    if line.startswith("\t") == want: out += bytes.fromhex(line.strip())
sys.stdout.buffer.write(out)' "$2" >"$3"
}

# verify FILE NAME [MIN]: decodes, no malformed packet, every checksum
# good, and more than MIN (10) TCP packets in all.
verify() {
    local f=$1 name=$2 min=${3:-10} total bad
    total=$(count "$f" "tcp")
    [ "$total" -gt "$min" ] || fail "$name: only $total TCP packets in $f"
    bad=$(count "$f" "_ws.malformed || _ws.expert.severity == error")
    [ "$bad" = 0 ] || fail "$name: $bad malformed packets"
    bad=$(count "$f" "ip.checksum.status != 1 || tcp.checksum.status != 1")
    [ "$bad" = 0 ] || fail "$name: $bad packets without a good checksum"
    echo "$name: $total packets, all decoded, every IP and TCP checksum good"
}

