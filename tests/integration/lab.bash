# Sourced after common.bash by the packet/tap tests: a two-host lab of the
# test's own from scripts/lab-up.sh (namespaces $KNS, the kernel, and $SNS,
# our stack, joined by the veth $KIF <-> $SIF), removed however the test
# ends, and helpers to run our programs in it.
LAB="u${TEST:0:3}$(( $$ % 100000 ))"
KNS=$LAB-k SNS=$LAB-s KIF=$LAB-k SIF=$LAB-s
trap 'cleanup; scripts/lab-down.sh --name "$LAB" >/dev/null 2>&1' EXIT
need ping ethtool

# lab_up [--tap] [--offload] [--net 10.0.0]
lab_up() { scripts/lab-up.sh --name "$LAB" "$@" >"$TMP/lab.out" 2>&1 || fail "lab-up: $(cat "$TMP/lab.out")"; }
in_k() { ip netns exec "$KNS" "$@"; }
in_s() { ip netns exec "$SNS" "$@"; }

# A kernel TCP echo server on PORT in NS.
kernel_echo() {
    local ns=$1 port=$2
    ip netns exec "$ns" socat TCP-LISTEN:"$port",reuseaddr,fork EXEC:cat &
    PIDS+=("$!")
    for _ in $(seq 50); do
        ip netns exec "$ns" ss -ltn | grep -q ":$port " && return 0
        sleep 0.1
    done
    fail "socat did not listen on $port"
}

# capture_start NS IF FILE FILTER...: tcpdump in the background, returned
# once it is capturing; capture_stop ends it (SIGTERM: background jobs of a
# script ignore SIGINT) and waits for the file to be complete.
capture_start() {
    local ns=$1 ifname=$2 file=$3; shift 3
    ip netns exec "$ns" timeout 60 tcpdump -i "$ifname" -n -U --immediate-mode -w "$file" "$@" 2>"$file.err" &
    CAPTURE_PID=$!
    PIDS+=("$CAPTURE_PID")
    for _ in $(seq 50); do
        grep -q "listening on" "$file.err" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "tcpdump did not start: $(cat "$file.err")"
}
capture_stop() {
    sleep 0.3  # the last frames
    kill -TERM "$CAPTURE_PID" 2>/dev/null
    wait "$CAPTURE_PID" 2>/dev/null
}
