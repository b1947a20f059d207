#!/usr/bin/env bash
# The end-to-end benchmark (`make bench`): our stack's speed and memory side
# by side with the Linux kernel's own TCP, measured in the same run on the
# same link, with ratios. Never a test: it asserts nothing and prints a
# table; PASS/MISS against each target is information (exit 0 unless the
# bench itself broke).
#
#   sudo bench/run.sh                 # about 5 minutes
#   sudo QUICK=1 bench/run.sh         # about 1 minute, smaller sizes
#   sudo MODES="raw" REPS=1 BULK_MB=100 bench/run.sh
#   sudo MODES="lwip" bench/run.sh   # lwIP and the veth kernel only
#   sudo MODES= IDLE_LINK=none CLIENT_MB=4 bench/run.sh   # only ./client vs nc -N
#
# Links (MODES, default "packet tap raw rawlo lwip"; empty for none): packet, our ./server on one end
# of a veth, the kernel client in a namespace at the other end (offloads
# off on both, for both measurements); the kernel's figure is a kernel
# server in the same namespace on the same address. tap, our ./server
# behind its TAP, the kernel client on the TAP's host side; the kernel's
# figure is the veth's. raw, our ./server on the loopback of a namespace
# (MTU 1500) beside a kernel server on another port of the same lo; rawlo,
# the same on a loopback as it comes (MTU 65536, offloads on). lwip,
# lwIP (Debian's liblwip-dev, build/bench/lwip_tap) behind a TAP in tap
# mode's lab: bulk, echo and RTT beside tap mode's and the veth kernel's
# figures (information, no targets; about 20 s).
# The load is build/bench/loadgen (bench/loadgen.c, kernel sockets, epoll);
# our stack sending is build/bench/ustack_send. The 10k-connection block
# runs on IDLE_LINK (packet, raw or rawlo; none to skip it); last, a CLIENT_MB
# file through ./client and through nc -N (0 to skip).
set -u
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces, raw sockets, AF_PACKET): run with sudo" >&2; exit 1; }
for c in ip ethtool taskset timeout awk nc base64 cmp; do
    command -v $c >/dev/null || { echo "bench: needs $c (scripts/deps.sh installs it)" >&2; exit 1; }
done
for b in ./server build/bench/loadgen build/bench/ustack_send; do
    [ -x $b ] || { echo "bench: $b is missing: run make bench" >&2; exit 1; }
done

if [ "${QUICK:-0}" = 1 ]; then
    : "${BULK_MB:=100}" "${ECHO_MB:=50}" "${SEND_MB:=100}" "${REPS:=1}" "${RTT_N:=5000}" "${CPS_SECS:=1}" "${IDLE_N:=2000}" "${CLIENT_MB:=1}"
fi
BULK_MB=${BULK_MB:-500} ECHO_MB=${ECHO_MB:-200} SEND_MB=${SEND_MB:-500} REPS=${REPS:-3}
RTT_N=${RTT_N:-20000} CLIENT_MB=${CLIENT_MB:-4} CPS_SECS=${CPS_SECS:-3} IDLE_N=${IDLE_N:-10000} IDLE_LINK=${IDLE_LINK:-packet}
MODES=${MODES-packet tap raw rawlo lwip} STEP_TIMEOUT=${STEP_TIMEOUT:-60} IDLE_TIMEOUT=${IDLE_TIMEOUT:-90}
CHEAP_SECS=${CHEAP_SECS:-5}  # a transfer that takes longer is run once, not REPS times
BULK_BYTES=$((BULK_MB * 1000000)) ECHO_BYTES=$((ECHO_MB * 1000000)) SEND_BYTES=$((SEND_MB * 1000000))
NCPU=$(nproc)

TMP=$(mktemp -d /tmp/ustk-bench.XXXXXX)
source bench/lib.sh
source bench/modes.sh
source bench/report.sh
trap cleanup EXIT
trap 'exit 130' INT TERM
# 65536 open files, or the hard limit where a container caps it lower.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((IDLE_N + 100)) ] || echo "bench: only $(ulimit -n) open files allowed; the idle block may fail" >&2

load() { cut -d' ' -f1-3 /proc/loadavg; }  # others' work on the machine shows here
START=$(date +%s) LOAD0=$(load)
echo "== end to end: ours vs the kernel's TCP, same run, same link ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r))"
echo "   sizes: bulk ${BULK_MB} MB, echo ${ECHO_MB} MB, send ${SEND_MB} MB (median of ${REPS}, or 1 run if it takes over ${CHEAP_SECS} s); RTT ${RTT_N} x 64 B; conn/s ${CPS_SECS} s; idle ${IDLE_N} on ${IDLE_LINK}"
for m in $MODES; do
    case $m in
        packet|tap|raw|rawlo|lwip) mode_$m ;;
        *) echo "bench: unknown mode '$m' in MODES (packet, tap, raw, rawlo, lwip)" >&2; exit 1 ;;
    esac
done
[ "$CLIENT_MB" = 0 ] || client_vs_nc
for m in $MODES; do table "$m"; done
[ "$IDLE_LINK" = none ] || idle_table
[ "$CLIENT_MB" = 0 ] || client_table
echo "== bench took $(( $(date +%s) - START )) s; load average at the start $LOAD0, at the end $(load)"
