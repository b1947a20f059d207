#!/usr/bin/env bash
# ./cc_compare (tools/cc_compare.cpp) on a small transfer: a table with one
# row per controller, the same table again for the same seed (a virtual
# clock and seeded loss: reproducible), and each controller's plot
# well-formed and rendering. No network: the link is simulated.
source "$(dirname "$0")/common.bash" xmllint rsvg-convert
[ -x ./cc_compare ] || fail "./cc_compare is not built (make)"
args=(--bytes 500000 --loss 2 --seed 1 --plot-dir "$TMP")
timeout 60 ./cc_compare "${args[@]}" >"$TMP/one.out" 2>"$TMP/cc.err" || fail "cc_compare exit status $?"
cat "$TMP/one.out"
rows=$(grep -cE '^(newreno|cubic|highspeed) ' "$TMP/one.out")
[ "$rows" = 3 ] || fail "expected 3 rows, got $rows"
grep -q 'did not finish' "$TMP/one.out" && fail "a transfer did not finish"
# 2% loss over some 340 data segments: every controller must have recovered
# from a loss (the retransmissions column), so the plots have something to show.
awk '/^(newreno|cubic|highspeed) / && $4 == 0 {bad = 1} END {exit bad}' "$TMP/one.out" ||
    fail "a controller retransmitted nothing at 2% loss"
timeout 60 ./cc_compare "${args[@]}" >"$TMP/two.out" 2>>"$TMP/cc.err" || fail "second run: exit status $?"
cmp -s "$TMP/one.out" "$TMP/two.out" || fail "the same seed gave another table"
for cc in newreno cubic highspeed; do
    f="$TMP/cc-$cc.svg"
    [ -s "$f" ] || fail "no plot $f"
    xmllint --noout "$f" || fail "cc-$cc.svg is not well-formed XML"
    rsvg-convert -o "$TMP/cc-$cc.png" "$f" 2>"$TMP/rsvg.err" || fail "rsvg-convert cc-$cc.svg: $(cat "$TMP/rsvg.err")"
    [ -s "$TMP/cc-$cc.png" ] || fail "cc-$cc.svg rendered to an empty PNG"
done
# A user's mistake is one line and exit 2.
out=$(./cc_compare --cc vegas 2>&1); rc=$?
[ $rc = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ $out == cc_compare:* ]] ||
    fail "--cc vegas: exit $rc, output: $out"
echo "cc_compare: ok"
