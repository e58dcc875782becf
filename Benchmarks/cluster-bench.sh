#!/bin/bash
# Usage: Benchmarks/cluster-bench.sh RELEASE_DIR [ORDERS] [CONCURRENCY]
#
# The rows of `make bench-cluster`: the saga's services with their state in PostgreSQL as 1, 2
# and 3 instances sharing one database and one log, in the same run (ClusterBenchmark; the
# instances run in one process, since sagad does not run on PostgreSQL yet). On the Kafka
# emulator (a test double: Tests/kafka-emulator.sh) when it can be installed, and on the embedded
# log (fsync always). A private PostgreSQL (Tests/postgres-server.sh) on a free loopback port;
# its baseline, measured in the same run, is durable single-row commits per second on one
# connection. Both servers stop when this ends, however it ends, and by themselves after 900 s.
set -uo pipefail
release=${1:?release build directory}
orders=${2:-1000}
concurrency=${3:-32}
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
for instances in 1 2 3; do
    [ -n "$kafka" ] && row "$instances instance(s), Kafka emulator" --kafka "$kafka" --instances "$instances"
    row "$instances instance(s), embedded log (fsync always)" --instances "$instances" --dir "$pg_dir"
done
echo "baseline: $baseline durable single-row commits/s on one PostgreSQL connection (loopback, same run)"
[ -n "$kafka" ] || echo "the Kafka rows are missing: the emulator (noida-db from PyPI) cannot be installed here"
