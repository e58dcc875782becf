#!/bin/bash
# Usage: Tests/cluster-tests.sh SWIFT OUTPUT_FILE
#
# The log conformance suite and KafkaLog's tests against the Kafka emulator (noida-db, a test
# double: Tests/kafka-emulator.sh), on a free loopback port, on the already built tests; then
# the system test that runs the real sagad with log.backend kafka on it (KafkaBackendTests);
# then the saga's services on Kafka and PostgreSQL together, with a private PostgreSQL
# (Tests/postgres-server.sh): two instances in one process sharing both
# (PostgresSagaInstancesTests), and three real sagad processes with state.backend postgres,
# one of them stopped, one killed with kill -9 under load (SystemTests.ClusterTests). The
# servers are stopped when this ends, however it ends, and stop by themselves after 600 s anyway.
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
# The services on Kafka and PostgreSQL: a private server beside the emulator.
with_postgres=""
if [ "$status" -eq 0 ]; then
    Tests/postgres-server.sh install
    case $? in
    0)
        pg_dir=$(mktemp -d /tmp/sagad-postgres.XXXXXX)
        # shellcheck disable=SC2064 # expanded now: both directories are known and fixed
        trap "Tests/kafka-emulator.sh stop '$dir'; Tests/postgres-server.sh stop '$pg_dir'" EXIT
        pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        if Tests/postgres-server.sh start "$pg_dir" "$pg_port" 600; then
            SAGAD_KAFKA_BOOTSTRAP="127.0.0.1:$port" SAGAD_POSTGRES_URL=$(cat "$pg_dir/url") \
                Tests/run-with-deadline.sh 420 "$dir/instances.txt" \
                "$swift" test --skip-build --filter 'ServiceStorePostgresTests.PostgresSagaInstancesTests|SystemTests.ClusterTests'
            status=$?
            cat "$dir/instances.txt" >> "$output"
            if grep -qE "needs SAGAD_|ClusterTests.* skipped" "$dir/instances.txt"; then
                echo "the Kafka and PostgreSQL instances test did not see both servers"; status=1
            fi
            instances=$(grep -hoE "Test run with [0-9]+ tests?" "$dir/instances.txt" | tail -n 1 | awk '{print $4}')
            ran=$(( ${ran:-0} + ${instances:-0} ))
            with_postgres=", services on Kafka and PostgreSQL and three sagad on both among them"
        else
            echo "PostgreSQL did not start:"; tail -20 "$pg_dir/server.log" 2>/dev/null; status=1
        fi
        ;;
    2) with_postgres="; the PostgreSQL part skipped: postgresql cannot be installed here" ;;
    *) echo "cannot install PostgreSQL"; status=1 ;;
    esac
fi
if [ "$status" -eq 0 ]; then
    say "kafka: ${ran:-0} tests passed against the emulator on 127.0.0.1:$port (sagad with log.backend kafka$with_postgres)"
else
    say "kafka: failed (status $status) against the emulator on 127.0.0.1:$port; its log:"
    tail -20 "$dir/log"
fi
exit "$status"
