#!/usr/bin/env bash
# Runs the rings: the doctest binary (unit + sim), the code rules, the fuzz
# regressions, then every tests/integration/*.sh (as root; each creates and
# removes its own network namespaces). Ends with one line "N passed, N
# failed, N skipped", after a line that says why anything was skipped. A
# test skips (exit 77) only for what the machine cannot give at all; a
# missing package is a failure (tests/integration/require.bash).
set -u
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0
failures=() skips=()

if [ "${1:-}" != "--integration-only" ]; then
    bin=${1:-build/tests/run_tests}
    out=$(mktemp)
    timeout --kill-after=10 600 "$bin" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    # "[doctest] test cases:  42 |  42 passed | 0 failed | 0 skipped"
    line=$(grep '^\[doctest\] test cases:' "$out" | tail -1)
    p=$(sed -E 's/.*\| *([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.*\| *([0-9]+) failed.*/\1/' <<<"$line")
    [[ "$p" =~ ^[0-9]+$ ]] || p=0
    [[ "$f" =~ ^[0-9]+$ ]] || f=1
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p)) failed=$((failed + f))
    [ "$f" -ne 0 ] && failures+=("doctest ($f)")
    rm -f "$out"
fi

# The rules of the code a machine can check (file and function sizes, no
# citations of issues or files outside the tree).
echo "=== code rules"
if python3 scripts/check-code.py; then
    echo "--- PASS code rules"; passed=$((passed + 1))
else
    echo "--- FAIL code rules"; failed=$((failed + 1)); failures+=("code rules")
fi

# The fuzz targets (fuzz/) built without libFuzzer, each run once over its
# seeds and every input that once crashed it (tests/fuzz-regressions/NAME/):
# a crash the fuzzer found stays fixed. `make fuzz` is the fuzzing itself.
if [ "${1:-}" != "--integration-only" ]; then
    echo "=== fuzz"
    start=$(date +%s)
    build=$(dirname "$(dirname "$bin")")
    if make --no-print-directory -s -j2 BUILD="$build" fuzz-replay; then
        echo "--- PASS fuzz ($(( $(date +%s) - start ))s)"; passed=$((passed + 1))
    else
        echo "--- FAIL fuzz"; failed=$((failed + 1)); failures+=("fuzz")
    fi
fi

if [ "$(id -u)" != 0 ] && [ "${CI:-}" = true ]; then
    echo "integration tests need root (network namespaces, raw sockets); CI runs as root"
    failed=$((failed + 1)); failures+=("integration (not root)")
elif [ "$(id -u)" != 0 ]; then
    n=$(ls tests/integration/*.sh | wc -l)
    echo "integration tests need root (network namespaces, raw sockets): run 'sudo make test'"
    skipped=$((skipped + n)); skips+=("$n integration tests (not root)")
else
    reason_file=$(mktemp)
    for t in tests/integration/*.sh; do
        [ -e "$t" ] || continue
        name=$(basename "$t" .sh)
        echo "=== integration: $name"
        start=$(date +%s)
        : >"$reason_file"
        SKIP_REASON_FILE=$reason_file timeout --kill-after=10 300 bash "$t" </dev/null
        rc=$?
        dur=$(( $(date +%s) - start ))
        if [ $rc -eq 0 ]; then
            echo "--- PASS $name (${dur}s)"; passed=$((passed + 1))
        elif [ $rc -eq 77 ]; then
            why=$(head -n 1 "$reason_file"); why=${why:-no reason given}
            echo "--- SKIP $name ($why)"; skipped=$((skipped + 1)); skips+=("$name ($why)")
        else
            echo "--- FAIL $name (exit $rc, ${dur}s)"; failed=$((failed + 1)); failures+=("$name")
        fi
    done
    rm -f "$reason_file"
fi

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
[ ${#skips[@]} -gt 0 ] && echo "skipped: $(IFS=';'; echo "${skips[*]}" | sed 's/;/; /g')"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
