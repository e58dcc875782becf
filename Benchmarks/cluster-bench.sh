#!/bin/bash
# Usage: Benchmarks/cluster-bench.sh RELEASE_DIR [ORDERS] [CONCURRENCY]
#
# The rows of `make bench-cluster`: the saga's services with their state in PostgreSQL as 1, 2
# and 3 instances sharing one database and one log, in the same run. First as 1, 2 and 3 sagad
# processes (state.backend postgres) on the Kafka emulator (a test double:
# Tests/kafka-emulator.sh), each driven through its own socket by `sagactl bench` (closed loop,
# the concurrency split between them), the figure being all orders over the wall time of the
# longest; then as 1, 2 and 3 instances in one process on the embedded log (fsync always:
# ClusterBenchmark), which shows the bound without the emulator and HTTP. A private PostgreSQL
# (Tests/postgres-server.sh) on a free loopback port;
# its baseline, measured in the same run, is durable single-row commits per second on one
# connection. Both servers stop when this ends, however it ends, and by themselves after 900 s.
set -uo pipefail
release=${1:?release build directory}
orders=${2:-1200}
concurrency=${3:-30}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

Tests/postgres-server.sh install || { echo "bench-cluster: PostgreSQL cannot be installed here"; exit 1; }
pg_dir=$(mktemp -d /tmp/sagad-bench-postgres.XXXXXX)
kafka_dir=$(mktemp -d /tmp/sagad-bench-kafka.XXXXXX)
trap 'Tests/postgres-server.sh stop "$pg_dir"; Tests/kafka-emulator.sh stop "$kafka_dir" 2>/dev/null' EXIT
pg_port=$(free_port)
Tests/postgres-server.sh start "$pg_dir" "$pg_port" 900 || exit 1
url=$(cat "$pg_dir/url")
kafka=""
if Tests/kafka-emulator.sh install; then
    kafka_port=$(free_port)
    Tests/kafka-emulator.sh start "$kafka_dir" "$kafka_port" 900 && kafka="127.0.0.1:$kafka_port"
fi

baseline=$("$release/ClusterBenchmark" --postgres "$url" --baseline) || exit 1
printf '%-52s %10s %12s\n' "saga on PostgreSQL, $orders orders, concurrency $concurrency" "orders/s" "×commits/s"
row() {
    local name=$1 result
    shift
    result=$("$release/ClusterBenchmark" --postgres "$url" --orders "$orders" --concurrency "$concurrency" --porcelain "$@") \
        || { echo "$name: failed"; exit 1; }
    printf '%-52s %10s %12s\n' "$name" "$result" "$(python3 -c "print(f'{$result / $baseline:.3f}')")"
}
# N sagad processes on a fresh database and namespace, `sagactl bench` through each socket at
# once; prints orders/s over the wall time, and the ratio to the baseline.
sagad_row() {
    local n=$1 run="$pg_dir/sagad-$1" database="cluster_$1" pids=() i started ended
    local psql
    psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
    "$psql" -X -q -d "$url" -c "CREATE DATABASE $database" || { echo "$n sagad: cannot create a database"; exit 1; }
    for i in $(seq 1 "$n"); do
        mkdir -p "$run/$i"
        SAGAD_STATE_DIR="$run/$i" SAGAD_LOG_BACKEND=kafka SAGAD_KAFKA_BOOTSTRAP_SERVERS="$kafka" \
            SAGAD_KAFKA_NAMESPACE="bench$n." SAGAD_LOG_PARTITIONS=6 SAGAD_STATE_BACKEND=postgres \
            SAGAD_POSTGRES_URL="${url/\/sagad\?//$database?}" SAGAD_FULFILLMENT_WORK_MS=0 \
            SAGAD_LOGGING_LEVEL=warning "$release/sagad" > "$run/$i.log" 2>&1 &
        pids+=($!)
        local ready=0
        for _ in $(seq 1 300); do
            "$release/sagactl" health --socket "$run/$i/run/sagad.sock" > /dev/null 2>&1 && { ready=1; break; }
            kill -0 "${pids[-1]}" 2> /dev/null || break
            sleep 0.2
        done
        [ "$ready" = 1 ] || { echo "$n sagad: instance $i did not start:"; tail -n 5 "$run/$i.log"; exit 1; }
    done
    started=$(date +%s.%N)
    local benches=()
    for i in $(seq 1 "$n"); do
        "$release/sagactl" bench --orders $((orders / n)) --concurrency $((concurrency / n)) --amount 1.00 \
            --socket "$run/$i/run/sagad.sock" > "$run/bench-$i.txt" 2>&1 &
        benches+=($!)
    done
    local failed=0
    for pid in "${benches[@]}"; do wait "$pid" || failed=1; done
    ended=$(date +%s.%N)
    kill -TERM "${pids[@]}" 2> /dev/null
    wait "${pids[@]}" 2> /dev/null
    if [ "$failed" -ne 0 ]; then
        echo "$n sagad: a bench failed:"; tail -n 5 "$run"/bench-*.txt "$run"/*.log; exit 1
    fi
    python3 -c "
rate = $(( orders / n * n )) / ($ended - $started)
print(f'%-52s %10.0f %12.3f' % ('$n sagad, Kafka emulator, through the sockets', rate, rate / $baseline))"
}

if [ -n "$kafka" ]; then
    for instances in 1 2 3; do sagad_row "$instances"; done
fi
for instances in 1 2 3; do
    row "$instances instance(s) in one process, embedded log" --instances "$instances" --dir "$pg_dir"
done
echo "baseline: $baseline durable single-row commits/s on one PostgreSQL connection (loopback, same run)"
[ -n "$kafka" ] || echo "the Kafka rows are missing: the emulator (noida-db from PyPI) cannot be installed here"
