# Sourced by every integration test (through common.bash, or directly): what
# a test may require of the machine, and how it says so.
#
# A test needs root (namespaces, raw sockets) and the commands it names.
# scripts/deps.sh installs every package behind those commands, so as root
# (and always under CI) a missing command is a failure that names the
# package to install, never a skip. A skip (exit 77) is only for what the
# machine cannot give at all; its reason goes to the suite's summary.

# skip REASON: exit 77; tests/run_all.sh prints REASON with the summary.
skip() {
    echo "SKIP: $*"
    [ -n "${SKIP_REASON_FILE:-}" ] && printf '%s\n' "$*" >"$SKIP_REASON_FILE"
    exit 77
}

# The Debian package that provides a command the tests use.
package_of() {
    case $1 in
        ip|ss|tc|nstat) echo iproute2 ;;
        nft) echo nftables ;;
        ping) echo iputils-ping ;;
        tracepath) echo iputils-tracepath ;;
        nc) echo netcat-openbsd ;;
        python3) echo python3 ;;
        setpriv) echo util-linux ;;
        script) echo bsdutils ;;
        timeout|sha256sum|mktemp|head|stat) echo coreutils ;;
        pgrep|pkill|ps|sysctl) echo procps ;;
        rsvg-convert) echo librsvg2-bin ;;
        xmllint) echo libxml2-utils ;;
        *) echo "$1" ;;  # tcpdump, tshark, socat, ethtool, curl, wget, traceroute: named as the command
    esac
}

# need_root: outside CI a non-root run skips (the unit and sim tests still
# ran); under CI it fails, since CI must run everything.
need_root() {
    [ "$(id -u)" = 0 ] && return 0
    if [ "${CI:-}" = true ]; then
        echo "FAIL: needs root (network namespaces, raw sockets); CI runs as root"
        exit 1
    fi
    skip "needs root (network namespaces, raw sockets): run 'sudo make test'"
}

# need CMD...: each command must be on PATH.
need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 && continue
        echo "FAIL: needs $c: install the Debian package $(package_of "$c") (scripts/deps.sh installs it)"
        exit 1
    done
}
