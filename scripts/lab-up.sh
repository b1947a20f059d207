#!/usr/bin/env bash
# A two-host lab for packet and tap mode (like toytcp's setup script): the
# Linux kernel on one side, our stack on the other, each in a network
# namespace of its own so nothing touches the machine's real interfaces.
#
#   scripts/lab-up.sh                 # veth: NAME-k (kernel, 10.0.0.1/24) <-> NAME-s (ours, no kernel address)
#   scripts/lab-up.sh --tap           # one namespace NAME-k; the stack creates its TAP there
#   scripts/lab-up.sh --offload       # keep the veth's checksum offloads on (the default on real setups)
#   scripts/lab-up.sh --name lab2 --net 10.0.5
#   scripts/lab-up.sh --routed [--mtu2 N]  # h1 (10.1.0.2) -- our stack as router -- h2 (10.2.0.2)
#   scripts/lab-down.sh [--name NAME]
#
# Namespaces and interfaces: NAME-k and NAME-s (NAME defaults to ustk);
# routed: NAME-h1, NAME-r, NAME-h2, veths NAME-h1 <-> NAME-r1, NAME-r2 <-> NAME-h2.
set -euo pipefail
NAME=ustk NET=10.0.0 TAP=0 OFFLOAD=0 ROUTED=0 MTU2=1500
while [ $# -gt 0 ]; do
    case $1 in
        --name) NAME=$2; shift 2 ;;
        --net) NET=$2; shift 2 ;;
        --tap) TAP=1; shift ;;
        --offload) OFFLOAD=1; shift ;;
        --routed) ROUTED=1; shift ;;
        --mtu2) MTU2=$2; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "lab-up: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "lab-up: needs root (network namespaces): run with sudo" >&2; exit 1; }
[ ${#NAME} -le 13 ] || { echo "lab-up: --name must be at most 13 characters (interface names)" >&2; exit 2; }
K=$NAME-k S=$NAME-s
[ "$ROUTED" = 1 ] && K=$NAME-r
ip netns list | grep -qw "$K" && { echo "lab-up: $K exists already (scripts/lab-down.sh --name $NAME)" >&2; exit 1; }

quiet_ns() {
    ip -n "$1" link set lo up
    # No IPv6: its router solicitations and DAD only add noise to captures.
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
no_offload() {
    # Off, every checksum on the wire is real and no frame is larger than the
    # MTU: a router passes frames on as they came, so the kernel's partial
    # checksums (tx offload) or 64 KB GSO frames would reach h2 unfinished.
    command -v ethtool >/dev/null || return 0
    ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

if [ "$ROUTED" = 1 ]; then
    [ ${#NAME} -le 12 ] || { echo "lab-up: --routed needs --name of at most 12 characters" >&2; exit 2; }
    case $MTU2 in ''|*[!0-9]*) echo "lab-up: --mtu2 must be a number (68..1500)" >&2; exit 2 ;; esac
    [ "$MTU2" -ge 68 ] && [ "$MTU2" -le 1500 ] || { echo "lab-up: --mtu2 must be 68..1500" >&2; exit 2; }
    R=$NAME-r H1=$NAME-h1 H2=$NAME-h2
    for ns in "$H1" "$R" "$H2"; do ip netns add "$ns"; quiet_ns "$ns"; done
    # The router's namespace holds both veth ends, without kernel addresses
    # and with the kernel's own forwarding off: our stack is the router.
    ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=0
    ip link add "$H1" netns "$H1" type veth peer name "$NAME-r1" netns "$R"
    ip link add "$NAME-r2" netns "$R" type veth peer name "$H2" netns "$H2"
    ip -n "$R" link set "$NAME-r2" mtu "$MTU2"
    ip -n "$H2" link set "$H2" mtu "$MTU2"
    ip -n "$H1" addr add 10.1.0.2/24 dev "$H1"
    ip -n "$H2" addr add 10.2.0.2/24 dev "$H2"
    for pair in "$H1 $H1" "$R $NAME-r1" "$R $NAME-r2" "$H2 $H2"; do
        set -- $pair
        ip -n "$1" link set "$2" up
        no_offload "$1" "$2"
    done
    ip -n "$H1" route add default via 10.1.0.1
    ip -n "$H2" route add default via 10.2.0.1
    cat <<TXT
lab up (routed): $H1 (10.1.0.2/24) <-> $NAME-r1 [$R: our stack routes] $NAME-r2 <-> $H2 (10.2.0.2/24, MTU $MTU2)
  sudo ip netns exec $R ./server --link packet --ifname $NAME-r1 --addr 10.1.0.1/24 --ifname $NAME-r2 --addr 10.2.0.1/24 --forward --trace
  sudo ip netns exec $H1 ping -c 3 10.2.0.2
  sudo ip netns exec $H1 traceroute -n -I 10.2.0.2
  sudo ip netns exec $H1 ping -c 1 -t 1 10.2.0.2
TXT
    exit 0
fi

ip netns add "$K"
quiet_ns "$K"
if [ "$TAP" = 1 ]; then
    cat <<TXT
lab up (tap): namespace $K. Start the stack there; it creates the TAP and gives the kernel side its address:
  sudo ip netns exec $K ./server --link tap --ifname $NAME-t --tap-host-addr $NET.1/24 --addr $NET.2/24 --udp
  sudo ip netns exec $K ping -c 3 $NET.2
  sudo ip netns exec $K nc $NET.2 8080
TXT
    exit 0
fi

ip netns add "$S"
quiet_ns "$S"
ip link add "$K" netns "$K" type veth peer name "$S" netns "$S"
ip -n "$K" addr add "$NET.1/24" dev "$K"
ip -n "$K" link set "$K" up
ip -n "$S" link set "$S" up   # no kernel address: the stack owns $NET.2
if [ "$OFFLOAD" = 0 ]; then
    # With offloads on, the kernel's frames carry partial
    # checksums (the stack copes); off, every checksum on the wire is real.
    no_offload "$K" "$K"
    no_offload "$S" "$S"
fi
cat <<TXT
lab up (veth): kernel $K ($NET.1/24 on $K) <-> $S (no kernel address; our stack takes $NET.2)
  sudo ip netns exec $S ./server --link packet --ifname $S --addr $NET.2/24 --udp
  sudo ip netns exec $K ping -c 3 $NET.2
  sudo ip netns exec $K nc $NET.2 8080
  sudo ip netns exec $S ./ping --link packet --ifname $S --addr $NET.3/24 -c 3 $NET.1
TXT
