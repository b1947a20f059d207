# Sourced by every integration test (named .bash so that tests/run_all.sh,
# which runs tests/integration/*.sh, does not take it for a test): a network namespace of the test's own
# with `lo` up, removed by a trap however the test ends, and helpers to run
# our server inside it. Exit 0 pass, 77 skip, anything else fail.
# `source common.bash CMD...` names the commands the test needs beyond
# ip, nft and timeout (tests/integration/require.bash).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source tests/integration/require.bash
TEST=$(basename "$0" .sh)
need_root
need ip nft timeout "$@"
[ -x ./server ] && [ -x ./client ] || { echo "FAIL: ./server and ./client are not built (make)"; exit 1; }
NS="ustk-${TEST//_/-}-$$"
TMP=$(mktemp -d "/tmp/ustk-$TEST.XXXXXX")
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    for f in "$TMP"/*.err; do
        [ -s "$f" ] && { echo "--- last lines of $(basename "$f")"; tail -n 15 "$f"; }
    done
    exit 1
}

ip netns add "$NS" || fail "cannot create namespace $NS"
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }

# start_in NS NAME PROGRAM ARGS...: runs it in the background (stdout in
# $TMP/NAME.out, stderr in $TMP/NAME.err), sets BG_PID; waits (10 s at most)
# for "listening on" when PROGRAM is ./server. Not through in_ns: a function
# would run in a subshell, and $! must be the program itself (ip netns exec
# execs it) for the signal tests.
start_in() {
    local ns=$1 name=$2; shift 2
    ip netns exec "$ns" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    BG_PID=$!
    PIDS+=("$BG_PID")
    [ "$1" = ./server ] || return 0
    for _ in $(seq 100); do
        grep -q "^listening on " "$TMP/$name.out" 2>/dev/null && return 0
        kill -0 "$BG_PID" 2>/dev/null || fail "$name exited before listening"
        sleep 0.1
    done
    fail "$name did not print 'listening on' within 10 s"
}

# start_server NAME [ARGS...]: ./server in the test's namespace; sets SERVER_PID.
start_server() {
    local name=$1; shift
    start_in "$NS" "$name" ./server "$@"
    SERVER_PID=$BG_PID
}

# stop_server PID SIGNAL: sends the signal and waits (10 s at most).
stop_server() {
    local pid=$1 sig=$2
    kill "-$sig" "$pid" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
        sleep 0.1
    done
    fail "server did not exit within 10 s of SIG$sig"
}

# Our nftables tables in the namespace (there must be none after a run).
our_tables() { in_ns nft list tables 2>/dev/null | grep -c 'ustack_' ; }
assert_no_tables() {
    local n
    n=$(our_tables)
    [ "$n" = 0 ] || fail "$1: $n nftables table(s) of ours left: $(in_ns nft list tables)"
}
