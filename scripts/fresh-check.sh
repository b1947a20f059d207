#!/usr/bin/env bash
# Proves that `make test` works for a newcomer on a bare Debian 12 machine:
# builds a minimal Debian 12 (bookworm) root with debootstrap (minbase plus
# build-essential, git, ca-certificates and make, nothing else), clones this
# repository into it at its HEAD commit (a clean clone: uncommitted changes
# are not tested), and runs `make test` there as root with nothing in the
# environment but PATH, HOME and CI=true, so `make deps` has to install
# everything else from the mirror.
#
#   sudo scripts/fresh-check.sh               # work dir /var/tmp/ustk-fresh
#   sudo scripts/fresh-check.sh --keep        # leave the root for inspection
#   sudo scripts/fresh-check.sh --refresh     # rebuild the cached root
#   sudo scripts/fresh-check.sh --dir DIR --mirror URL
#
# Needs root (debootstrap, chroot, mounts, network namespaces), network
# access to the Debian mirror (by default the first main-archive mirror of
# this machine's apt sources; USTK_FRESH_MIRROR or --mirror to choose) and
# about 2 GB of disk in the work dir. In the work dir (USTK_FRESH_DIR or
# --dir): root/ the chroot, root.tar.gz the pristine debootstrap result
# (made on the first run, unpacked afresh on every later one, so each run
# starts with no package a previous `make test` installed), make-test.log.
# Every process and mount it starts in the root is gone however it ends;
# without --keep the root is deleted too. Exits with make test's status.
set -euo pipefail

SUITE=bookworm
INCLUDE=build-essential,git,ca-certificates,make
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

WORK=${USTK_FRESH_DIR:-/var/tmp/ustk-fresh}
MIRROR=${USTK_FRESH_MIRROR:-}
KEEP=0 REFRESH=0
while [ $# -gt 0 ]; do
    case $1 in
        --dir) WORK=$2; shift 2 ;;
        --mirror) MIRROR=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        --refresh) REFRESH=1; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "fresh-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { printf '\n== fresh-check: %s\n' "$*"; }
die() { echo "fresh-check: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts): sudo $0"
case $WORK in
    /*) ;;
    *) die "--dir must be an absolute path" ;;
esac
WORK=${WORK%/}
if [ -z "$WORK" ] || [[ $WORK =~ [[:space:]] ]]; then die "--dir must not be / nor contain spaces"; fi
ROOT=$WORK/root
CACHE=$WORK/root.tar.gz
LOG=$WORK/make-test.log

TOP=$(cd "$(dirname "$0")/.." && pwd)
# The checkout may belong to the user who ran sudo: let root's git read it
# (the clone's upload-pack does not see -c, hence --upload-pack below).
repo_git() { git -c safe.directory="$TOP" -C "$TOP" "$@"; }
HEAD_COMMIT=$(repo_git rev-parse --verify HEAD) || die "$TOP is not a git checkout"
GIT_DIR_ABS=$(repo_git rev-parse --absolute-git-dir)

# The main archive of this machine's apt: the first URIs: (deb822) or deb
# line that is not the security archive.
detect_mirror() {
    local f=/etc/apt/sources.list.d/debian.sources m=""
    [ -r "$f" ] && m=$(awk '$1 == "URIs:" { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
    [ -z "$m" ] && [ -r /etc/apt/sources.list ] && m=$(awk '
        $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
            if ($i !~ /security/) { print $i; exit }
        }' /etc/apt/sources.list)
    [[ $m =~ ^(https?|ftp|file):// ]] || m=http://deb.debian.org/debian
    echo "${m%/}"
}
[ -n "$MIRROR" ] || MIRROR=$(detect_mirror)

# One run at a time per work dir (fd 9 is not passed to the long steps).
mkdir -p "$WORK"
exec 9>"$WORK/lock"
flock -n 9 || die "another fresh-check is running in $WORK"

# ---- cleanup: processes in the root, then every mount under it -----------
CHILD=""      # the long step running in the background (its own session)
TAIL=""       # the tail that shows the log
LEFTOVERS=()

mounts_under() {   # deepest first
    awk -v d="$ROOT" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | LC_ALL=C sort -r
}
pids_in_root() {   # processes whose root is our chroot
    local p r
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        [ "$r" = "$ROOT" ] && echo "${p#/proc/}"
    done
}
pids_in_session() {
    ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'
}
stop_processes() {
    local pids sig tries
    for sig in TERM KILL; do
        for tries in 1 2 3 4 5 6 7 8 9 10; do
            pids=$( { [ -n "$CHILD" ] && pids_in_session "$CHILD"; pids_in_root; } | sort -u)
            [ -n "$pids" ] || return 0
            [ "$tries" = 1 ] && kill "-$sig" $pids 2>/dev/null
            sleep 0.5
        done
    done
}
unmount_all() {
    local m
    while read -r m; do
        [ -n "$m" ] || continue
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "fresh-check: cannot unmount $m" >&2
    done < <(mounts_under)
    [ -z "$(mounts_under)" ]
}
host_net() {   # interfaces and nftables tables of this machine's own network namespace
    { ip -o link show 2>/dev/null | awk -F': ' '{ print "interface " $2 }'
      nft list tables 2>/dev/null | sed 's/^table /nftables table /'; } | LC_ALL=C sort
}
HOST_NET_BEFORE=""
cleanup() {
    local rc=$? ns new
    set +e
    trap - EXIT INT TERM HUP
    [ -n "$TAIL" ] && kill "$TAIL" 2>/dev/null
    stop_processes
    if [ -d "$ROOT/run/netns" ]; then
        for ns in "$ROOT"/run/netns/*; do
            [ -e "$ns" ] && LEFTOVERS+=("network namespace ${ns##*/}")
        done
    fi
    if ! unmount_all; then
        echo "fresh-check: mounts left under $ROOT:" >&2; mounts_under >&2
        exit $((rc ? rc : 1))
    fi
    if [ ${#LEFTOVERS[@]} -gt 0 ]; then
        echo "fresh-check: left behind by the run (removed now):" >&2
        printf '  %s\n' "${LEFTOVERS[@]}" >&2
    fi
    if [ -n "$HOST_NET_BEFORE" ]; then
        # The tests keep to namespaces of their own: nothing new should be here.
        new=$(LC_ALL=C comm -13 <(echo "$HOST_NET_BEFORE") <(host_net))
        [ -z "$new" ] || { echo "fresh-check: new in this machine's network namespace since make test began (not removed):" >&2
                           sed 's/^/  /' <<<"$new" >&2; }
    fi
    if [ "$KEEP" = 1 ]; then
        echo "fresh-check: root kept in $ROOT (unmounted; chroot into it to look around)"
    elif [ -d "$ROOT" ]; then
        echo "fresh-check: removing $ROOT"
        rm -rf --one-file-system "$ROOT"
    fi
    [ "$rc" -ge 128 ] && echo "fresh-check: interrupted (status $rc); its processes and mounts are gone" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "fresh-check: failed (status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# run_bg CMD...: runs CMD in a session of its own and waits, so that a
# signal to this script ends it (and everything it started) at once.
start_bg() { setsid -w "$@" 9>&- & CHILD=$!; }
wait_bg() { local rc=0; wait "$CHILD" || rc=$?; CHILD=""; return "$rc"; }
run_bg() { start_bg "$@"; wait_bg; }

phase_names=() phase_secs=()
phase_start=0
begin() { say "$*"; phase_start=$SECONDS; phase_names+=("$*"); }
end() { phase_secs+=($((SECONDS - phase_start))); }

# ---- 1. a pristine root ---------------------------------------------------
avail=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
[ "${avail:-0}" -ge $((2 * 1024 * 1024)) ] || echo "fresh-check: warning: less than 2 GB free in $WORK" >&2
if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

if [ -n "$(pids_in_root)" ] || [ -n "$(mounts_under)" ]; then
    echo "fresh-check: stopping and unmounting what an earlier run left in $ROOT"
    stop_processes
    unmount_all || die "cannot unmount $(mounts_under | tr '\n' ' ')"
fi
rm -rf --one-file-system "$ROOT"

stamp="debootstrap --variant=minbase --include=$INCLUDE $SUITE $MIRROR ($(dpkg --print-architecture))"
if [ "$REFRESH" = 1 ] || [ ! -s "$CACHE" ] || [ "$(cat "$CACHE.stamp" 2>/dev/null)" != "$stamp" ]; then
    begin "debootstrap $SUITE from $MIRROR into $ROOT"
    mkdir -p "$ROOT"
    run_bg debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$ROOT" "$MIRROR"
    [ -z "$(mounts_under)" ] || unmount_all
    say "caching the pristine root in $CACHE"
    tar -C "$ROOT" --numeric-owner --xattrs -cpf - . | gzip -1 >"$CACHE.tmp"
    mv "$CACHE.tmp" "$CACHE"
    echo "$stamp" >"$CACHE.stamp"
    end
else
    begin "unpacking the pristine root from $CACHE"
    mkdir -p "$ROOT"
    tar -C "$ROOT" --numeric-owner --xattrs -xpzf "$CACHE"
    end
fi

# ---- 2. mounts, DNS, apt --------------------------------------------------
begin "mounts and apt-get update in the root"
# `ip netns exec` remounts / and /sys in a namespace of its own: / must be
# a mount point, /run a tmpfs where `ip netns add` can make /run/netns.
mount --bind "$ROOT" "$ROOT"
mount --make-rprivate "$ROOT"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm"
mount -t tmpfs -o mode=755 tmpfs "$ROOT/run"
mkdir -m 1777 "$ROOT/run/lock"
rm -f "$ROOT/etc/resolv.conf"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
echo "apt sources in the root (debootstrap's, on $MIRROR):"
{ grep -hsv '^[[:space:]]*\(#\|$\)' "$ROOT"/etc/apt/sources.list "$ROOT"/etc/apt/sources.list.d/* || true; } | sed 's/^/  /'
run_bg chroot "$ROOT" env -i PATH="$CHROOT_PATH" apt-get update </dev/null ||
    die "apt-get update fails inside the root (mirror $MIRROR)"
end

# ---- 3. a clean clone at HEAD ---------------------------------------------
begin "cloning $TOP at ${HEAD_COMMIT:0:12} into the root"
[ -z "$(repo_git status --porcelain --untracked-files=no)" ] ||
    echo "fresh-check: note: uncommitted changes in $TOP are not part of the test (HEAD is)"
repo_git clone -q --no-local --no-checkout \
    --upload-pack="git -c safe.directory=$(printf %q "$GIT_DIR_ABS") upload-pack" "$TOP" "$ROOT/root/ustack"
git -C "$ROOT/root/ustack" checkout -q --detach "$HEAD_COMMIT"
end

# ---- 4. make test, as a newcomer would run it -----------------------------
# Shown live from the log; the first line of each stage is timed (doctest's
# output comes through a pipe, all at its end: its stage starts with the
# link of the test binary, the last command of the build).
show_progress() {
    local line stage=""
    while IFS= read -r line; do
        printf '%s\n' "$line"
        case $stage:$line in
            :"deps: installing"*) stage=deps ;;
            :g++*|deps:g++*) stage=build ;;
            build:*" -o build/tests/run_tests") stage=doctest ;;
            *:"=== integration: "*) [ "$stage" = integration ] && continue; stage=integration ;;
            *) continue ;;
        esac
        echo "$(date +%s) $stage" >>"$STAGES"
    done
}
STAGES=$WORK/make-test.stages
begin "make test in the root (log: $LOG)"
: >"$LOG"
echo "$(date +%s) start" >"$STAGES"
HOST_NET_BEFORE=$(host_net)
rc=0
start_bg chroot "$ROOT" env -i PATH="$CHROOT_PATH" HOME=/root CI=true \
    bash -c 'cd /root/ustack && make test' </dev/null >"$LOG" 2>&1
tail -n +1 -f --pid="$CHILD" "$LOG" 9>&- | show_progress 9>&- &
TAIL=$!
wait_bg || rc=$?
echo "$(date +%s) end" >>"$STAGES"
wait "$TAIL" || true
TAIL=""
end

# ---- report ---------------------------------------------------------------
say "report"
for i in "${!phase_names[@]}"; do
    printf '  %4ds  %s\n' "${phase_secs[$i]}" "${phase_names[$i]}"
done
# Inside make test, stage by stage (from the first line each one printed).
awk '
    { t[NR] = $1; s[NR] = $2 }
    END {
        name["start"] = "make deps: what is missing"; name["deps"] = "make deps: apt-get installs"
        name["build"] = "build (apps and test binary)"; name["doctest"] = "link of the test binary, unit + sim tests (doctest)"
        name["integration"] = "integration tests"
        for (i = 1; i < NR; i++)
            printf "  %6ds  - %s\n", t[i + 1] - t[i], name[s[i]]
    }' "$STAGES"
skips=$(grep -E '^(SKIP|skip)[: ]|--- (SKIP|FAIL) |needs [a-z]|not found|exec of .* failed|command not found' "$LOG" || true)
if [ -n "$skips" ]; then
    echo "skips, failures and missing commands in the log:"
    sed 's/^/  /' <<<"$skips"
fi
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$LOG" | tail -n 1 || true)
echo "log: $LOG   cached root: $CACHE"
echo "make test exited with $rc"
echo "${summary:-no summary line: make test stopped before the tests ended}"
exit "$rc"
