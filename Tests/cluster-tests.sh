#!/bin/bash
# Usage: Tests/cluster-tests.sh SWIFT OUTPUT_FILE
#
# The log conformance suite and KafkaLog's tests against the Kafka emulator (noida-db, a test
# double: Tests/kafka-emulator.sh), on a free loopback port, on the already built tests; then
# the system test that runs the real sagad with log.backend kafka on it (KafkaBackendTests). The
# emulator is stopped when this ends, however it ends, and stops by itself after 600 s anyway.
# Without PyPI (the emulator cannot be installed) it says so and skips, exit 0. Ends with a
# `kafka: ` summary line.
set -uo pipefail
swift=$1 output=$2
# The summary line goes to the terminal and to the end of OUTPUT_FILE (make test's summary).
say() { echo "$1" | tee -a "$output"; }
: > "$output"
source "$(dirname "$0")/test-server.sh"
test_server_start kafka Tests/kafka-emulator.sh "the emulator (noida-db from PyPI)"

filter='^(MessageLogTests|KafkaLogTests)\.'
"$swift" test list --skip-build > "$dir/list.txt"
SAGAD_KAFKA_BOOTSTRAP="127.0.0.1:$port" Tests/run-with-deadline.sh 240 "$output" \
    "$swift" test --skip-build --filter 'MessageLogTests|KafkaLogTests'
status=$?
if [ "$status" -eq 0 ]; then
    Tests/expect-every-test-ran.sh "$dir/list.txt" "$output" "kafka tests" "$filter" || status=1
fi
ran=$(grep -hoE "Test run with [0-9]+ tests?" "$output" | tail -n 1 | awk '{print $4}')
# sagad itself on the emulator: its output goes beside the first run's, the summary counts both.
if [ "$status" -eq 0 ]; then
    SAGAD_KAFKA_BOOTSTRAP="127.0.0.1:$port" Tests/run-with-deadline.sh 300 "$dir/system.txt" \
        "$swift" test --skip-build --filter 'SystemTests.KafkaBackendTests'
    status=$?
    cat "$dir/system.txt" >> "$output"
    if grep -q "skipped: SAGAD_KAFKA_BOOTSTRAP" "$dir/system.txt"; then
        echo "the sagad system test did not see the emulator"; status=1
    fi
    system=$(grep -hoE "Test run with [0-9]+ tests?" "$dir/system.txt" | tail -n 1 | awk '{print $4}')
    ran=$(( ${ran:-0} + ${system:-0} ))
fi
if [ "$status" -eq 0 ]; then
    say "kafka: ${ran:-0} tests passed against the emulator on 127.0.0.1:$port (sagad with log.backend kafka among them)"
else
    say "kafka: failed (status $status) against the emulator on 127.0.0.1:$port; its log:"
    tail -20 "$dir/log"
fi
exit "$status"
