#!/bin/bash
# Usage: Tests/postgres-tests.sh SWIFT OUTPUT_FILE
#
# The PostgreSQL service store's tests (ServiceStorePostgresTests) against a private
# PostgreSQL server (Tests/postgres-server.sh) on a free loopback port, on the already built
# tests. The server is stopped when this ends, however it ends, and stops by itself after 600 s
# anyway. Without the postgresql package (it cannot be installed) it says so and skips, exit 0.
# Ends with a `postgres: ` summary line.
set -uo pipefail
swift=$1 output=$2
# The summary line goes to the terminal and to the end of OUTPUT_FILE (make test's summary).
say() { echo "$1" | tee -a "$output"; }
: > "$output"
source "$(dirname "$0")/test-server.sh"
test_server_start postgres Tests/postgres-server.sh "PostgreSQL (the apt package postgresql)"
version=$(PGPASSWORD=sagad psql -qAt -h 127.0.0.1 -p "$port" -U sagad -d sagad -c "SHOW server_version" | cut -d' ' -f1)

"$swift" test list --skip-build > "$dir/list.txt"
SAGAD_POSTGRES_URL=$(cat "$dir/url") Tests/run-with-deadline.sh 300 "$output" \
    "$swift" test --skip-build --filter 'ServiceStorePostgresTests\.'
status=$?
if [ "$status" -eq 0 ]; then
    Tests/expect-every-test-ran.sh "$dir/list.txt" "$output" "postgres tests" '^ServiceStorePostgresTests\.' || status=1
    # A suite that did not see the server skips its tests and still counts them as run.
    if grep -q "needs SAGAD_POSTGRES_URL" "$output"; then
        echo "the PostgreSQL tests did not see the server"; status=1
    fi
fi
ran=$(grep -hoE "Test run with [0-9]+ tests?" "$output" | tail -n 1 | awk '{print $4}')
if [ "$status" -eq 0 ]; then
    say "postgres: ${ran:-0} tests passed against PostgreSQL ${version:-?} on 127.0.0.1:$port"
else
    say "postgres: failed (status $status) against PostgreSQL ${version:-?} on 127.0.0.1:$port; its log:"
    tail -20 "$dir/server.log"
fi
exit "$status"
