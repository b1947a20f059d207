#!/usr/bin/env bash
# --pcap in packet and tap mode (Ethernet link type), checked by tshark with
# IP and TCP checksum validation on:
#  A. our client (packet) <-> our server (packet) across a veth: both files
#     decode, the ARP exchange between our two MACs is in them, every IP and
#     TCP checksum is good, and the reassembled streams equal what was sent;
#  B. our server in tap mode, the kernel's nc as the client through the TAP
#     (no checksum offload there): every packet in the file verifies,
#     the kernel's too, our TSO super-packet (sent with a partial checksum)
#     among them, and the stream equals what nc sent.
source "$(dirname "$0")/common.bash" tshark socat
source "$(dirname "$0")/lab.bash"
source "$(dirname "$0")/tshark.bash"
lab_up --net 10.36.0

printf 'first line\nsecond line\n%s\n' "$(head -c 3000 /dev/zero | tr '\0' 'x')" >"$TMP/in.txt"

# ---- A. packet <-> packet --------------------------------------------------
start_in "$SNS" srv ./server --link packet --ifname "$SIF" --addr 10.36.0.2/24 \
    --mac 02:00:00:00:36:02 --pcap "$TMP/srv.pcap" --log-level warning
in_k timeout 20 ./client --link packet --ifname "$KIF" --addr 10.36.0.3/24 --mac 02:00:00:00:36:03 \
    --pcap "$TMP/cli.pcap" 10.36.0.2 8080 <"$TMP/in.txt" >"$TMP/out.txt" 2>"$TMP/client.err" ||
    fail "A: client exited $?"
cmp -s "$TMP/in.txt" "$TMP/out.txt" || fail "A: the echo differs from what was sent"
sleep 0.3
for f in srv cli; do
    [ "$(tshark_q -r "$TMP/$f.pcap" -T fields -e frame.protocols | head -1 | cut -d: -f1)" = eth ] ||
        fail "A: $f.pcap is not Ethernet"
    arp=$(count "$TMP/$f.pcap" "arp")
    [ "$arp" -ge 2 ] || fail "A: $f.pcap holds $arp ARP frames"
    # TSO in packet mode too: a super-packet is one record, so fewer of them.
    verify "$TMP/$f.pcap" "A $f pcap (Ethernet, $arp ARP frames)" 6
    follow "$TMP/$f.pcap" 0 "$TMP/$f.up"
    follow "$TMP/$f.pcap" 1 "$TMP/$f.down"
    cmp -s "$TMP/in.txt" "$TMP/$f.up" || fail "A: $f.pcap: client->server stream differs"
    cmp -s "$TMP/in.txt" "$TMP/$f.down" || fail "A: $f.pcap: server->client stream differs"
done
echo "A: packet mode: tshark's reassembled streams equal what was sent, both ways, in both files"
stop_server "$BG_PID" INT || fail "A: server exited with $?"

# ---- B. tap server, the kernel's nc as client ------------------------------
start_in "$KNS" srv2 ./server --link tap --ifname "$LAB-t" --tap-host-addr 10.37.0.1/24 \
    --addr 10.37.0.2/24 --pcap "$TMP/tap.pcap" --log-level warning
in_k timeout 20 nc -N 10.37.0.2 8080 <"$TMP/in.txt" >"$TMP/out2.txt" || fail "B: nc exited $?"
cmp -s "$TMP/in.txt" "$TMP/out2.txt" || fail "B: the echo to nc differs"
sleep 0.3
# Both ways the 3 KB may be one super-packet (TSO from the kernel and from
# us): the handshake, one data packet and one FIN each way, and ACKs.
verify "$TMP/tap.pcap" "B tap pcap (kernel client)" 6
# Our echo went out as a TSO super-packet, its checksum left partial for the
# kernel: the file must hold it whole (verify above checked every sum).
big=$(count "$TMP/tap.pcap" "ip.src == 10.37.0.2 && frame.len > 1514")
[ "$big" -ge 1 ] || fail "B: no super-packet of ours in the file (nothing partial was checked)"
follow "$TMP/tap.pcap" 0 "$TMP/tap.up"
cmp -s "$TMP/in.txt" "$TMP/tap.up" || fail "B: the file does not reassemble to what nc sent"
echo "B: tap mode: stream intact"
stop_server "$BG_PID" INT || fail "B: server exited with $?"
echo "pcap_frames: ok"
