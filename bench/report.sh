# Sourced by bench/run.sh: the tables, from R[mode.figure.side].

declare -A TITLE=(
    [packet]="packet mode: ./server on one end of a veth, the kernel client on the other (offloads off); kernel: a kernel server in the same namespace and address"
    [tap]="tap mode: ./server behind its TAP, the kernel client on the TAP's host side; kernel: the veth above (offloads off; the rows 'offloads on' against the veth with TSO/GSO/GRO and checksum offload on, our TAP with the offloads it asks for)"
    [raw]="raw mode: ./server on the loopback of a namespace (MTU 1500, TSO/GSO off); kernel: a kernel server on the same lo"
    [rawlo]="raw mode on loopback as it comes (MTU 65536, offloads on: sudo ./server and sudo ./client on one machine); kernel: a kernel server on the same lo"
)

# get KEY: R[KEY], or "failed: not measured".
get() { echo "${R[$1]:-failed: not measured}"; }

table() {
    local m=$1 bulk_target=">= 0.6"
    [ "$m" = lwip ] && { lwip_table; return; }
    echo
    echo "== ${TITLE[$m]}"
    printf '  %-30s %-12s %-12s %-8s %-8s %s\n' figure kernel ours ratio target ""
    row "bulk into discard (Mbit/s)" "$(get $m.bulk.kernel)" "$(get $m.bulk.ours)" "$bulk_target"
    [ "$m" = tap ] && row "bulk, offloads on (Mbit/s)" "$(get $m.bulk_offload.kernel)" "$(get $m.bulk_offload.ours)" ">= 0.5"
    row "echo, one connection (Mbit/s)" "$(get $m.echo.kernel)" "$(get $m.echo.ours)" ">= 0.5"
    row "sending to a sink (Mbit/s)" "$(get $m.send.kernel)" "$(get $m.send.ours)" ">= 0.6"
    [ "$m" = tap ] && row "sending, offloads on (Mbit/s)" "$(get $m.send_offload.kernel)" "$(get $m.send_offload.ours)" ">= 0.6"
    row "64 B RTT, 1 CPU, median (us)" "$(get $m.rtt50.kernel)" "$(get $m.rtt50.ours)" "<= 1.5"
    row "64 B RTT, 1 CPU, p99 (us)" "$(get $m.rtt99.kernel)" "$(get $m.rtt99.ours)" "-"
    row "conn/s, 1 client" "$(get $m.cps1.kernel)" "$(get $m.cps1.ours)" ">= 0.5"
    row "conn/s, 8 clients" "$(get $m.cps8.kernel)" "$(get $m.cps8.ours)" ">= 0.5"
}

# times A B: A/B as "1.23x", or "-" unless both are numbers.
times() {
    is_num "$1" && is_num "$2" && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }' || echo "-"
}

# lrow LABEL FIGURE: kernel (the veth), ours (tap mode), lwIP, the ratios.
lrow() {
    local k o l
    k=$(get packet.$2.kernel) o=$(get tap.$2.ours) l=$(get lwip.$2.lwip)
    printf '  %-30s %-10s %-10s %-10s %-12s %s\n' "$1" "$(short "$k")" "$(short "$o")" "$(short "$l")" \
        "$(times "$l" "$k")" "$(times "$o" "$l")"
    is_num "$l" || echo "      lwIP: $l"
}

lwip_table() {
    echo
    echo "== lwIP (Debian's liblwip 2.1.3, raw API, one thread: bench/lwip_tap.c) behind a TAP, the kernel client on the TAP's host side, as tap mode; kernel: the veth of packet mode, ours: tap mode (offloads off). Information: no targets"
    printf '  %-30s %-10s %-10s %-10s %-12s %s\n' figure kernel ours lwIP lwIP/kernel ours/lwIP
    lrow "bulk into discard (Mbit/s)" bulk
    lrow "echo, one connection (Mbit/s)" echo
    lrow "64 B RTT, 1 CPU, median (us)" rtt50
    lrow "64 B RTT, 1 CPU, p99 (us)" rtt99
    echo "  (RTT rows are times: a ratio below 1x is the faster of the two)"
    [ -n "${R[tap.bulk.ours]:-}" ] || echo "      ours: not measured (tap is not in MODES)"
}

# held/idle latency of one side, as "1.23" (or the failure).
slowdown() {
    local a b
    a=$(get idle.lat0.$1) b=$(get idle.lat1.$1)
    is_num "$a" && is_num "$b" || { echo "failed: latency not measured ($a; $b)"; return; }
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }'
}

idle_table() {
    local s
    echo
    echo "== $IDLE_N idle connections on $IDLE_LINK mode (each opened with a 1 B echo), held by ./server and by a kernel echo server (one epoll thread)"
    printf '  %-30s %-12s %-12s\n' figure kernel ours
    for s in open:"open time (s)" rss:"VmRSS (MiB)" hwm:"VmHWM (MiB)" threads:"Threads" \
             lat0:"new client, idle server (us)" lat1:"new client, while held (us)"; do
        printf '  %-30s %-12s %-12s\n' "${s#*:}" "$(short "$(get idle.${s%%:*}.kernel)")" "$(short "$(get idle.${s%%:*}.ours)")"
    done
    printf '  %-30s %-12s %-12s\n' "held / idle latency" "$(short "$(slowdown kernel)")" "$(short "$(slowdown ours)")"
    echo "  ours against the targets:"
    limit "VmRSS (MiB)" "$(get idle.rss.ours)" "<=" 150 MiB
    limit "Threads" "$(get idle.threads.ours)" "<=" 16 ""
    limit "open time (s)" "$(get idle.open.ours)" "<=" 2 s
    limit "held / idle latency" "$(slowdown ours)" "<=" 2 x
    local k
    for k in open rss lat0 lat1; do  # ours: in the lines above
        is_num "$(get idle.$k.kernel)" || echo "      kernel $k: $(get idle.$k.kernel)"
    done
}

client_table() {
    echo
    echo "== a ${CLIENT_MB} MB text file echoed through a kernel echo server on lo (raw mode), by nc -N (the kernel) and by ./client (ours); output compared with input"
    printf '  %-30s %-12s %-12s %-8s\n' figure "nc -N" ./client ratio
    row "file round trip (Mbit/s)" "$(get file.kernel)" "$(get file.ours)" "-"
}
