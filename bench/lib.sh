# Sourced by bench/run.sh: background processes, timeouts, the results and
# the table. Every process started here is in PIDS and killed by cleanup.

LG=build/bench/loadgen
SEND=build/bench/ustack_send
LWIP=build/bench/lwip_tap
PIDS=()
NSS=()
declare -A R  # R[mode.figure.side] = a number, or "failed: why"

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    for p in "${NSS[@]}"; do ip netns del "$p" 2>/dev/null; done
    rm -rf "$TMP"
}

note() { echo "  .. $*" >&2; }

# add_ns NAME: a namespace with lo up and no IPv6 noise, removed by cleanup.
add_ns() {
    ip netns add "$1" || return 1
    NSS+=("$1")
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    # The clients' side: many ephemeral ports, TIME-WAIT reusable (cps, idle).
    ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="10000 65000" net.ipv4.tcp_tw_reuse=1
}

offloads_off() {  # offloads_off NS IF
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1
}

# bg NAME NS CMD...: CMD in NS in the background (ip netns exec execs it,
# so $BG is CMD's own pid); its output in $TMP/NAME.out and .err.
bg() {
    local name=$1 ns=$2; shift 2
    ip netns exec "$ns" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    BG=$!
    PIDS+=("$BG")
}

# wait_for FILE REGEX SECS PID: until FILE has a line matching REGEX (0), or
# the process died or the time ran out (1).
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        kill -0 "$4" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# stop PID: SIGTERM, then SIGKILL after 5 s; PID leaves PIDS (a pid
# reaped here may be reused by another program before cleanup runs).
stop() {
    local i keep=()
    kill -TERM "$1" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    for i in "${PIDS[@]}"; do [ "$i" = "$1" ] || keep+=("$i"); done
    PIDS=("${keep[@]}")
}

# start_server NAME NS PID_VAR CMD...: CMD in the background, waited for
# until it prints "listening on"; 1 (and a note) if it did not.
start_server() {
    local name=$1 ns=$2 var=$3; shift 3
    bg "$name" "$ns" "$@"
    printf -v "$var" '%s' "$BG"
    wait_for "$TMP/$name.out" '^listening on' 10 "$BG" && return 0
    note "$name did not start: $(head -c 300 "$TMP/$name.err")"
    stop "$BG"
    return 1
}

# step SECS NS CMD...: one client run, its result line on stdout; on a
# failure or a timeout, "failed: why" instead.
step() {
    local secs=$1 ns=$2; shift 2
    local out rc
    out=$(ip netns exec "$ns" timeout -k 2 "$secs" "$@" 2>"$TMP/step.err")
    rc=$?
    if [ $rc = 124 ] || [ $rc = 137 ]; then echo "failed: timed out after ${secs} s"; return; fi
    if [ $rc != 0 ] || [ -z "$out" ]; then
        echo "failed: exit $rc $(tr '\n' ' ' <"$TMP/step.err" | head -c 120)"
        return
    fi
    echo "$out"
}

# field LINE KEY: the value of KEY=... in a result line ("failed: ..." passes).
field() {
    case $1 in failed:*) echo "$1"; return ;; esac
    local v
    v=$(tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p")
    echo "${v:-failed: no $2 in '$1'}"
}

# median V...: the median of the numbers; the first failure if all failed.
median() {
    local nums=() v
    for v in "$@"; do case $v in failed:*) ;; *) nums+=("$v") ;; esac; done
    if [ ${#nums[@]} = 0 ]; then echo "$1"; return; fi
    printf '%s\n' "${nums[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# repeat N SECS NS KEY CMD...: the median of KEY over N runs, where runs
# are cheap: once a run has taken over CHEAP_SECS (its secs=), one is all.
repeat() {
    local n=$1 secs=$2 ns=$3 key=$4; shift 4
    local vals=() i line took
    for ((i = 0; i < n; i++)); do
        line=$(step "$secs" "$ns" "$@")
        vals+=("$(field "$line" "$key")")
        took=$(field "$line" secs)
        is_num "$took" && awk -v t="$took" -v c="$CHEAP_SECS" 'BEGIN { exit !(t > c) }' && break
    done
    note "$key of ${#vals[@]} run(s): ${vals[*]}"
    median "${vals[@]}"
}

# pin PID CPUS: every thread of PID (its loop thread too) onto CPUS.
pin() { taskset -a -p -c "$2" "$1" >/dev/null 2>&1; }

is_num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }

# row LABEL KERNEL OURS TARGET: one line of the table; TARGET is ">= X" (a
# rate: ours/kernel at least X), "<= X" (a time: ours/kernel at most X) or "-".
row() {
    local label=$1 k=$2 o=$3 target=$4 ratio="-" verdict=""
    if is_num "$k" && is_num "$o" && [ "$(awk -v k="$k" 'BEGIN { print (k > 0) }')" = 1 ]; then
        ratio=$(awk -v k="$k" -v o="$o" 'BEGIN { printf "%.2fx", o / k }')
        if [ "$target" != "-" ]; then
            verdict=$(awk -v r="${ratio%x}" -v op="${target% *}" -v t="${target#* }" 'BEGIN {
                ok = (op == ">=") ? (r >= t) : (r <= t); print ok ? "PASS" : "MISS" }')
        fi
    fi
    printf '  %-30s %-12s %-12s %-8s %-8s %s\n' "$label" "$(short "$k")" "$(short "$o")" "$ratio" "$target" "$verdict"
    is_num "$k" || echo "      kernel: $k"
    is_num "$o" || echo "      ours: $o"
}
short() { is_num "$1" && echo "$1" || echo "failed"; }

# limit LABEL VALUE OP LIMIT UNIT: one line of the 10k block against an
# absolute target.
limit() {
    local verdict=""
    if is_num "$2"; then
        verdict=$(awk -v v="$2" -v op="$3" -v t="$4" 'BEGIN { ok = (op == "<=") ? (v <= t) : (v >= t); print ok ? "PASS" : "MISS" }')
        printf '  %-30s %-12s %-8s %s\n' "$1" "$2" "$3 $4 $5" "$verdict"
    else
        printf '  %-30s %-12s %-8s\n      %s\n' "$1" "failed" "$3 $4 $5" "$2"
    fi
}
