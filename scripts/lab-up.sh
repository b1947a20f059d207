#!/usr/bin/env bash
# A two-host lab for packet and tap mode (like toytcp's setup script): the
# Linux kernel on one side, our stack on the other, each in a network
# namespace of its own so nothing touches the machine's real interfaces.
#
#   scripts/lab-up.sh                 # veth: NAME-k (kernel, 10.0.0.1/24) <-> NAME-s (ours, no kernel address)
#   scripts/lab-up.sh --tap           # one namespace NAME-k; the stack creates its TAP there
#   scripts/lab-up.sh --offload       # keep the veth's checksum offloads on (the default on real setups)
#   scripts/lab-up.sh --name lab2 --net 10.0.5
#   scripts/lab-down.sh [--name NAME]
#
# Namespaces and interfaces: NAME-k and NAME-s (NAME defaults to ustk).
set -euo pipefail
NAME=ustk NET=10.0.0 TAP=0 OFFLOAD=0
while [ $# -gt 0 ]; do
    case $1 in
        --name) NAME=$2; shift 2 ;;
        --net) NET=$2; shift 2 ;;
        --tap) TAP=1; shift ;;
        --offload) OFFLOAD=1; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "lab-up: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "lab-up: needs root (network namespaces): run with sudo" >&2; exit 1; }
[ ${#NAME} -le 13 ] || { echo "lab-up: --name must be at most 13 characters (interface names)" >&2; exit 2; }
K=$NAME-k S=$NAME-s
ip netns list | grep -qw "$K" && { echo "lab-up: $K exists already (scripts/lab-down.sh --name $NAME)" >&2; exit 1; }

quiet_ns() {
    ip -n "$1" link set lo up
    # No IPv6: its router solicitations and DAD only add noise to captures.
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

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
if [ "$OFFLOAD" = 0 ] && command -v ethtool >/dev/null; then
    # With offloads on, the kernel's frames carry partial
    # checksums (the stack copes); off, every checksum on the wire is real.
    ip netns exec "$K" ethtool -K "$K" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
    ip netns exec "$S" ethtool -K "$S" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
fi
cat <<TXT
lab up (veth): kernel $K ($NET.1/24 on $K) <-> $S (no kernel address; our stack takes $NET.2)
  sudo ip netns exec $S ./server --link packet --ifname $S --addr $NET.2/24 --udp
  sudo ip netns exec $K ping -c 3 $NET.2
  sudo ip netns exec $K nc $NET.2 8080
  sudo ip netns exec $S ./ping --link packet --ifname $S --addr $NET.3/24 -c 3 $NET.1
TXT
