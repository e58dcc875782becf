#!/bin/bash
# Usage: Tests/run-with-deadline.sh SECONDS OUTPUT_FILE COMMAND [ARGS...]
#
# Runs a `swift test` command with its output line-buffered into OUTPUT_FILE (and the terminal)
# and a time limit. When the limit passes, it says what was still going on before it kills
# anything — the tests that started and never finished, every thread's stack in the test
# process, and the daemons the tests left running with the end of their logs — so a hang in CI
# leaves a diagnosis, not just a timeout. Exits with the command's status (124 on the limit).
set -u
limit=$1 output=$2
shift 2

( stdbuf -oL -eL "$@" 2>&1 | stdbuf -oL tee "$output"; exit "${PIPESTATUS[0]}" ) &
runner=$!

unfinished_tests() {
    # swift-testing prints "◇ Test name() started." and "✔/✘ Test name() passed/failed ...".
    grep -v '^◇ Test case ' "$output" | sed -nE 's/^◇ Test (.*) started\.$/\1/p' | sort -u > "$output.started"
    sed -nE 's/^[✔✘] Test (.*) (passed|failed) after .*/\1/p' "$output" \
        | sed -E 's/ with [0-9]+ test cases?$//' | sort -u > "$output.ended"
    comm -23 "$output.started" "$output.ended"
    rm -f "$output.started" "$output.ended"
}

# Every process started under the command, children first.
descendants() {
    local child
    for child in $(pgrep -P "$1"); do
        echo "$child"
        descendants "$child"
    done
}

# The swift-testing process under the command (swift test runs it as a child).
test_process() {
    local pid
    for pid in $(descendants "$runner"); do
        if grep -q 'sagadPackageTests' /proc/"$pid"/cmdline 2> /dev/null; then echo "$pid"; return; fi
    done
}

diagnose() {
    echo
    echo "=== $(basename "$0"): no result after ${limit} s; what was still running ==="
    echo "--- tests started and not finished:"
    unfinished_tests | sed 's/^/  /'
    local tests
    tests=$(test_process)
    if [ -n "$tests" ]; then
        echo "--- threads of the test process $tests:"
        if command -v gdb > /dev/null; then
            timeout 60 gdb -p "$tests" -batch -ex 'thread apply all bt 25' 2>/dev/null \
                | grep -E '^(Thread|#)' | sed 's/^/  /'
        else
            for task in /proc/"$tests"/task/*; do
                echo "  $(basename "$task") $(cat "$task/comm") wchan=$(cat "$task/wchan" 2>/dev/null)"
            done
        fi
    fi
    echo "--- daemons still running:"
    for pid in $(descendants "$runner"); do
        grep -q '/sagad' /proc/"$pid"/cmdline 2> /dev/null || continue
        local state
        state=$(tr '\0' '\n' < /proc/"$pid"/environ 2>/dev/null | sed -n 's/^SAGAD_STATE_DIR=//p')
        echo "  pid $pid state $(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null) dir ${state:-?}"
        for log in "${state}"-*.log; do
            [ -f "$log" ] && tail -n 8 "$log" | sed 's/^/    /'
        done
    done
    echo "=== end of diagnosis ==="
}

waited=0
while kill -0 "$runner" 2> /dev/null; do
    if [ "$waited" -ge "$limit" ]; then
        diagnose
        everything=$(descendants "$runner")
        kill -KILL "$runner" $everything 2> /dev/null
        wait "$runner" 2> /dev/null
        exit 124
    fi
    sleep 1
    waited=$((waited + 1))
done
wait "$runner"
