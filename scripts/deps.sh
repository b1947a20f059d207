#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for building, testing and the
# demo. Does nothing (and needs no network) when everything is there.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in gcc g++ make libboost-program-options-dev libboost-log-dev doctest-dev iputils-ping \
         iproute2 nftables tcpdump tshark socat netcat-openbsd ethtool python3 procps util-linux curl wget \
         traceroute iputils-tracepath librsvg2-bin libxml2-utils \
         clang libclang-rt-14-dev libpcap-dev liblwip-dev; do
    have_pkg "$p" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages: ${need[*]}; run 'sudo make deps' (or apt-get install -y ${need[*]})" >&2
    exit 1
fi
echo "deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
