#!/bin/bash
# Usage: Benchmarks/kafka-bench.sh RELEASE_DIR [ARGS...]
#
# Starts the Kafka emulator (Tests/kafka-emulator.sh, a test double) on a free loopback port,
# runs KafkaLogBenchmark against it (ARGS pass through, e.g. --appenders 64 --seconds 3), and
# stops the emulator, however the run ends.
set -euo pipefail
release=$1
shift
dir=$(mktemp -d /tmp/sagad-kafka-bench.XXXXXX)
trap 'Tests/kafka-emulator.sh stop "$dir"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
Tests/kafka-emulator.sh start "$dir" "$port" 600
"$release/KafkaLogBenchmark" --bootstrap "127.0.0.1:$port" --dir "$dir/saga" "$@"
