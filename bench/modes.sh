# Sourced by bench/run.sh: the measurements of one link mode, each figure
# once for the kernel's TCP and once for ours, on the same link.

# src SIDE RUN: the client address of one run of many connections (cps1,
# cps8, idle), a fresh one per run (see bench/loadgen.c on TIME-WAIT), made
# on $SRC_DEV in $SRC_NS when that is set; on $SRC_NET, the client's network.
src() {
    local n
    case $1.$2 in
        kernel.cps1) n=101 ;; kernel.cps8) n=102 ;; kernel.idle) n=103 ;;
        ours.cps1) n=111 ;; ours.cps8) n=112 ;; *) n=113 ;;
    esac
    [ -n "${SRC_DEV:-}" ] && ip -n "$SRC_NS" addr add "$SRC_NET.$n/32" dev "$SRC_DEV" 2>/dev/null
    echo "$SRC_NET.$n"
}

# figures MODE SIDE NS ADDR ECHO_PORT DISCARD_PORT SERVER_PID: a client in
# NS against the servers at ADDR: bulk, echo, RTT, connections per second.
figures() {
    local m=$1 side=$2 ns=$3 addr=$4 ep=$5 dp=$6 pid=$7 line
    note "$m/$side: bulk, echo, rtt, cps"
    R[$m.bulk.$side]=$(repeat "$REPS" "$STEP_TIMEOUT" "$ns" mbps $LG bulk "$addr" "$dp" "$BULK_BYTES")
    R[$m.echo.$side]=$(repeat "$REPS" "$STEP_TIMEOUT" "$ns" mbps $LG echo "$addr" "$ep" "$ECHO_BYTES")
    # One CPU for client and server (every thread of the server, its loop
    # thread too), so the figure is the path's cost, not the scheduler's.
    pin "$pid" 0
    line=$(step "$STEP_TIMEOUT" "$ns" taskset -c 0 $LG rtt "$addr" "$ep" "$RTT_N" 64)
    pin "$pid" "0-$((NCPU - 1))"
    R[$m.rtt50.$side]=$(field "$line" median_us)
    R[$m.rtt99.$side]=$(field "$line" p99_us)
    line=$(step $((CPS_SECS + 20)) "$ns" $LG cps "$addr" "$ep" "$CPS_SECS" 1 "$(src "$side" cps1)")
    R[$m.cps1.$side]=$(field "$line" per_s)
    line=$(step $((CPS_SECS + 20)) "$ns" $LG cps "$addr" "$ep" "$CPS_SECS" 8 "$(src "$side" cps8)")
    R[$m.cps8.$side]=$(field "$line" per_s)
}

# idle_block SIDE NS ADDR PORT SERVER_PID: IDLE_N connections held open
# from NS while the server's /proc/PID/status is read.
idle_block() {
    local side=$1 ns=$2 addr=$3 port=$4 pid=$5 lg line st
    note "idle/$side: $IDLE_N connections"
    bg idle "$ns" timeout -k 2 "$IDLE_TIMEOUT" $LG idle "$addr" "$port" "$IDLE_N" 10 "$(src "$side" idle)"
    lg=$BG
    if ! wait_for "$TMP/idle.out" '^holding' "$IDLE_TIMEOUT" "$lg"; then
        R[idle.open.$side]="failed: no result in $IDLE_TIMEOUT s ($(tr '\n' ' ' <"$TMP/idle.err" | head -c 100))"
        stop "$lg"
        return
    fi
    st=$(cat /proc/"$pid"/status 2>/dev/null)
    line=$(grep '^idle ' "$TMP/idle.out")
    stop "$lg"
    R[idle.opened.$side]=$(field "$line" opened)
    R[idle.open.$side]=$(field "$line" open_secs)
    [ "${R[idle.opened.$side]}" = "$IDLE_N" ] ||
        R[idle.open.$side]="failed: only ${R[idle.opened.$side]} of $IDLE_N opened in $(field "$line" open_secs) s"
    R[idle.lat0.$side]=$(field "$line" lat_idle_us)
    R[idle.lat1.$side]=$(field "$line" lat_held_us)
    if [ -z "$st" ]; then
        R[idle.rss.$side]="failed: the server died"
        return
    fi
    R[idle.rss.$side]=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' <<<"$st")
    R[idle.hwm.$side]=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' <<<"$st")
    R[idle.threads.$side]=$(awk '/^Threads/ { print $2 }' <<<"$st")
}

# Ports: the kernel's echo server 18080, ours 8080, so that the TIME-WAIT
# the client keeps from one side's connections (RFC 9293 3.6) never sits
# on the 4-tuples the other side's clients need; the idle block has its own
# (17 and 8007) for the same reason, apart from the conn/s runs before it.

# ---- packet mode: a veth, the kernel client on one end ------------------------

PK_NET=10.77.0
packet_setup() {
    [ -n "${PK_K:-}" ] && return 0
    PK_K=ub$$-k PK_S=ub$$-s
    add_ns "$PK_K" && add_ns "$PK_S" || return 1
    ip link add "$PK_K" netns "$PK_K" type veth peer name "$PK_S" netns "$PK_S" || return 1
    ip -n "$PK_K" addr add $PK_NET.1/24 dev "$PK_K"
    ip -n "$PK_K" link set "$PK_K" up
    ip -n "$PK_S" link set "$PK_S" up
    offloads_off "$PK_K" "$PK_K"
    offloads_off "$PK_S" "$PK_S"
    local p
    start_server pk-sink "$PK_K" p $LG sink 9   # what the senders send to
}

# The kernel in the namespace our stack would be in, on the veth's address.
packet_kernel() {
    local ks ke
    ip -n "$PK_S" addr add $PK_NET.2/24 dev "$PK_S"
    if start_server k-sink "$PK_S" ks $LG sink 9 $PK_NET.2 &&
        start_server k-echo "$PK_S" ke $LG echod 18080 $PK_NET.2; then
        figures packet kernel "$PK_K" $PK_NET.2 18080 9 "$ke"
        stop "$ke"
    fi
    stop "$ks"
    R[packet.send.kernel]=$(repeat "$REPS" "$STEP_TIMEOUT" "$PK_S" mbps $LG bulk $PK_NET.1 9 "$SEND_BYTES")
    if [ "$IDLE_LINK" = packet ] && start_server k-echo "$PK_S" ke $LG echod 17 $PK_NET.2; then
        idle_block kernel "$PK_K" $PK_NET.2 17 "$ke"
        stop "$ke"
    fi
    ip -n "$PK_S" addr del $PK_NET.2/24 dev "$PK_S"
}

packet_ours() {
    local srv ours=(./server --link packet --ifname "$PK_S" --addr "$PK_NET.2/24" --discard 9 --log-level warning)
    if start_server ours "$PK_S" srv "${ours[@]}"; then
        figures packet ours "$PK_K" $PK_NET.2 8080 9 "$srv"
        stop "$srv"
    fi
    R[packet.send.ours]=$(repeat "$REPS" "$STEP_TIMEOUT" "$PK_S" mbps \
        $SEND --link packet --ifname "$PK_S" --addr $PK_NET.2/24 $PK_NET.1 9 "$SEND_BYTES")
    if [ "$IDLE_LINK" = packet ] && start_server ours "$PK_S" srv "${ours[@]}" --port 8007; then
        idle_block ours "$PK_K" $PK_NET.2 8007 "$srv"
        stop "$srv"
    fi
}

mode_packet() {
    packet_setup || { note "packet: cannot build the veth lab"; return; }
    SRC_NS=$PK_K SRC_DEV=$PK_K SRC_NET=$PK_NET
    packet_kernel
    packet_ours
}

# The kernel's bulk on the veth with its offloads on (TSO, GSO, GRO and
# checksums), as a kernel host would run: the reference of the tap target.
packet_kernel_offloaded() {
    local ks on="tso on gso on gro on tx on rx on"
    ip -n "$PK_S" addr add $PK_NET.2/24 dev "$PK_S"
    ip netns exec "$PK_K" ethtool -K "$PK_K" $on >/dev/null 2>&1
    ip netns exec "$PK_S" ethtool -K "$PK_S" $on >/dev/null 2>&1
    if start_server k-sink "$PK_S" ks $LG sink 9 $PK_NET.2; then
        R[tap.bulk_offload.kernel]=$(repeat "$REPS" "$STEP_TIMEOUT" "$PK_K" mbps $LG bulk $PK_NET.2 9 "$BULK_BYTES")
        stop "$ks"
    fi
    R[tap.send_offload.kernel]=$(repeat "$REPS" "$STEP_TIMEOUT" "$PK_S" mbps $LG bulk $PK_NET.1 9 "$SEND_BYTES")
    offloads_off "$PK_K" "$PK_K"
    offloads_off "$PK_S" "$PK_S"
    ip -n "$PK_S" addr del $PK_NET.2/24 dev "$PK_S"
}

# ---- tap mode: our TAP in a namespace, the kernel on its host side -------------

# The kernel's figure is the veth lab's (the kernel cannot be both ends of a
# TAP): measured here unless packet mode already did in this run.
# kernel_veth MODE: the kernel's figures of packet mode, measured unless
# packet mode (or an earlier MODE) already did in this run; 1 if it cannot.
kernel_veth() {
    [ -n "${R[packet.bulk.kernel]:-}" ] && return 0
    packet_setup || { note "$1: cannot build the veth lab for the kernel's figure"; return 1; }
    SRC_NS=$PK_K SRC_DEV=$PK_K SRC_NET=$PK_NET
    local idle_link=$IDLE_LINK
    IDLE_LINK=none
    packet_kernel
    IDLE_LINK=$idle_link
}

mode_tap() {
    local f
    kernel_veth tap || return
    for f in bulk echo send rtt50 rtt99 cps1 cps8; do R[tap.$f.kernel]=${R[packet.$f.kernel]}; done
    packet_kernel_offloaded

    local ns=ub$$-t tap=ub$$-tap net=10.78.0 srv p
    add_ns "$ns" || return
    start_server tap-sink "$ns" p $LG sink 9
    local link=(--link tap --ifname "$tap" --addr "$net.2/24" --tap-host-addr "$net.1/24")
    if start_server ours "$ns" srv ./server "${link[@]}" --discard 9 --log-level warning; then
        # First with the offloads the TAP asked for (TUNSETOFFLOAD: the
        # kernel hands us GSO super-packets with partial checksums), against
        # the kernel's veth with its offloads on; then every figure with them
        # off, against the kernel's veth with them off.
        R[tap.bulk_offload.ours]=$(repeat "$REPS" "$STEP_TIMEOUT" "$ns" mbps $LG bulk $net.2 9 "$BULK_BYTES")
        offloads_off "$ns" "$tap"
        SRC_NS=$ns SRC_DEV=$tap SRC_NET=$net
        figures tap ours "$ns" $net.2 8080 9 "$srv"
        stop "$srv"
    fi
    # ustack_send opens its own TAP, with the offloads it asks for.
    R[tap.send.ours]=$(repeat "$REPS" "$STEP_TIMEOUT" "$ns" mbps $SEND "${link[@]}" $net.1 9 "$SEND_BYTES")
    R[tap.send_offload.ours]=${R[tap.send.ours]}
}

# ---- lwip mode: Debian's lwIP behind a TAP, the kernel client on its host side --

# The lab of tap mode (a namespace; the TAP's host side is the client's),
# with bench/lwip_tap (lwIP's raw API on one thread) behind the TAP instead
# of ./server: bulk into discard, echo and the 64 B RTT on one CPU, as
# `figures` measures them. Information beside tap mode's figures and the
# kernel's veth; no targets.
mode_lwip() {
    [ -x "$LWIP" ] || { note "lwip: $LWIP is missing (make bench builds it from liblwip-dev)"; return; }
    kernel_veth lwip
    local ns=ub$$-l tap=ub$$-lw net=10.79.0 srv line
    add_ns "$ns" || return
    start_server lwip "$ns" srv "$LWIP" "$tap" $net.2 $net.1/24 9 7 || return
    offloads_off "$ns" "$tap"
    note "lwip/lwip: bulk, echo, rtt"
    R[lwip.bulk.lwip]=$(repeat "$REPS" "$STEP_TIMEOUT" "$ns" mbps $LG bulk $net.2 9 "$BULK_BYTES")
    R[lwip.echo.lwip]=$(repeat "$REPS" "$STEP_TIMEOUT" "$ns" mbps $LG echo $net.2 7 "$ECHO_BYTES")
    pin "$srv" 0
    line=$(step "$STEP_TIMEOUT" "$ns" taskset -c 0 $LG rtt $net.2 7 "$RTT_N" 64)
    pin "$srv" "0-$((NCPU - 1))"
    R[lwip.rtt50.lwip]=$(field "$line" median_us)
    R[lwip.rtt99.lwip]=$(field "$line" p99_us)
    stop "$srv"
    note "$(tail -1 "$TMP/lwip.err")"  # its counters: frames, drops, connections
}

# ---- raw mode: one loopback (MTU 1500, so MSS 1460 as on Ethernet) ------------

# raw_link MODE MTU: our ./server on the loopback of a namespace with that
# MTU, beside kernel servers on other ports of the same lo. At 1500 the
# loopback's segmentation offloads are off, so the kernel sends segments of
# an Ethernet's size too (it still builds 64 KiB ones and cuts them at the
# device; a raw socket cannot); at 65536, loopback as it comes.
raw_link() {
    local m=$1 mtu=$2 ns=ub$$-$1 ks ke srv
    add_ns "$ns" || return
    SRC_DEV="" SRC_NET=127.0.0  # all of 127/8 is on lo
    ip -n "$ns" link set lo mtu "$mtu"
    [ "$mtu" = 1500 ] && ip netns exec "$ns" ethtool -K lo tso off gso off >/dev/null 2>&1
    local sp
    start_server $m-sink "$ns" sp $LG sink 29 127.0.0.1
    if start_server k-sink "$ns" ks $LG sink 19 127.0.0.1 &&
        start_server k-echo "$ns" ke $LG echod 18080 127.0.0.1; then
        figures $m kernel "$ns" 127.0.0.1 18080 19 "$ke"
        if [ "$IDLE_LINK" = $m ]; then
            stop "$ke"
            start_server k-echo "$ns" ke $LG echod 17 127.0.0.1 && idle_block kernel "$ns" 127.0.0.1 17 "$ke"
        fi
        stop "$ke"
    fi
    stop "$ks"
    R[$m.send.kernel]=$(repeat "$REPS" "$STEP_TIMEOUT" "$ns" mbps $LG bulk 127.0.0.1 29 "$SEND_BYTES")
    local ours=(./server --discard 9 --log-level warning)  # echo on 8080
    if start_server ours "$ns" srv "${ours[@]}"; then
        figures $m ours "$ns" 127.0.0.1 8080 9 "$srv"
        if [ "$IDLE_LINK" = $m ]; then
            stop "$srv"
            start_server ours "$ns" srv "${ours[@]}" --port 8007 && idle_block ours "$ns" 127.0.0.1 8007 "$srv"
        fi
        stop "$srv"
    fi
    R[$m.send.ours]=$(repeat "$REPS" "$STEP_TIMEOUT" "$ns" mbps $SEND 127.0.0.1 29 "$SEND_BYTES")
}

mode_raw() { raw_link raw 1500; }
mode_rawlo() { raw_link rawlo 65536; }

# ---- a file through ./client vs through nc, both against a kernel echo server --

# CLIENT_MB of text lines, each program's output compared with its input.
client_vs_nc() {
    local ns=ub$$-c ke t0 t1 side rc
    add_ns "$ns" || return
    ip -n "$ns" link set lo mtu 1500
    start_server c-echo "$ns" ke $LG echod 7 127.0.0.1 || return
    head -c $((CLIENT_MB * 750000)) /dev/urandom | base64 -w 75 >"$TMP/file.txt"
    for side in kernel ours; do
        local cmd=(nc -N 127.0.0.1 7)
        [ $side = ours ] && cmd=(./client 127.0.0.1 7)
        t0=$(date +%s.%N)
        ip netns exec "$ns" timeout "$STEP_TIMEOUT" "${cmd[@]}" <"$TMP/file.txt" >"$TMP/file.$side" 2>"$TMP/file.err"
        rc=$?
        t1=$(date +%s.%N)
        if [ $rc != 0 ]; then
            R[file.$side]="failed: ${cmd[0]} exit $rc$([ $rc = 124 ] && echo " (timed out after $STEP_TIMEOUT s)") $(head -c 100 "$TMP/file.err")"
            continue
        fi
        R[file.$side]=$(awk -v a="$t0" -v b="$t1" -v n="$(stat -c %s "$TMP/file.txt")" 'BEGIN { printf "%.1f", n * 8 / (b - a) / 1e6 }')
        cmp -s "$TMP/file.txt" "$TMP/file.$side" ||
            R[file.$side]="failed: output differs from input ($(stat -c %s "$TMP/file.$side") of $(stat -c %s "$TMP/file.txt") bytes)"
    done
    stop "$ke"
}
