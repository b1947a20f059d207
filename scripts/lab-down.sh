#!/usr/bin/env bash
# Removes what scripts/lab-up.sh made: its namespaces, and with them the
# veth pair and any TAP a stack left (a stack's TAP also goes when it exits).
set -u
NAME=ustk
while [ $# -gt 0 ]; do
    case $1 in
        --name) NAME=$2; shift 2 ;;
        *) echo "lab-down: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "lab-down: needs root: run with sudo" >&2; exit 1; }
for ns in "$NAME-k" "$NAME-s" "$NAME-h1" "$NAME-r" "$NAME-h2"; do  # the routed lab's too
    # Processes still in the namespace would keep a TAP alive: say so.
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -n "$pids" ] && echo "lab-down: stopping what still runs in $ns: $pids" && kill $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
done
exit 0
