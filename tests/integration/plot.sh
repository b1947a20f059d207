#!/usr/bin/env bash
# --plot: a transfer through our echo server with 10% of the client's
# packets lost by the fault injector (--drop), both sides plotting. Every
# SVG must be well-formed XML (xmllint) and render (rsvg-convert) to a
# non-empty PNG; the client's must mark retransmissions and carry the
# sender's own numbers (cwnd), since the stack fed it its events.
source "$(dirname "$0")/common.bash" xmllint rsvg-convert python3
start_server srv --log-level warning --msl-ms 100 --plot "$TMP/srv.svg"

lines=$(python3 -c 'for i in range(60): print(str(i) * 700)')
printf '%s\n' "$lines" |
    timeout 120 ip netns exec "$NS" ./client --log-level info --msl-ms 100 --drop 10 --seed 4 \
        --plot "$TMP/cli.svg" 127.0.0.1 8080 >"$TMP/cli.out" 2>"$TMP/cli.err" ||
    fail "client exit status $?"
# Not a terminal: the client is byte-exact, so the echo is the input itself.
[ "$(printf '%s\n' "$lines")" = "$(cat "$TMP/cli.out")" ] || fail "the echo differs from what was sent ($(wc -l <"$TMP/cli.out") of 60 lines)"
stop_server "$SERVER_PID" TERM || fail "server exit status $?"

shopt -s nullglob
cli=("$TMP"/cli-*-8080.svg)
srv=("$TMP"/srv-8080-*.svg)
[ ${#cli[@]} = 1 ] || fail "expected one client plot cli-<port>-8080.svg, found: $(ls "$TMP")"
[ ${#srv[@]} = 1 ] || fail "expected one server plot srv-8080-<port>.svg, found: $(ls "$TMP")"
for f in "${cli[@]}" "${srv[@]}"; do
    xmllint --noout "$f" || fail "$(basename "$f") is not well-formed XML"
    rsvg-convert -o "${f%.svg}.png" "$f" 2>"$TMP/rsvg.err" || fail "rsvg-convert $(basename "$f"): $(cat "$TMP/rsvg.err")"
    [ -s "${f%.svg}.png" ] || fail "$(basename "$f") rendered to an empty PNG"
    ! grep -q '<script\|href=' "$f" || fail "$(basename "$f") is not self-contained"
done
grep -q '>R</text>' "${cli[0]}" || fail "the client's plot marks no retransmission (10% loss)"
grep -q '>cwnd</text>' "${cli[0]}" || fail "the client's plot has no cwnd"
grep -q 'plot: wrote' "$TMP/cli.err" || fail "the client did not say where its plot went"
echo "client: $(grep -o '[0-9,]* segments sent, [0-9,]* retransmitted[^<]*' "${cli[0]}")"
echo "server: $(grep -o '[0-9,]* segments sent, [0-9,]* retransmitted[^<]*' "${srv[0]}")"
echo "plot: ok"
