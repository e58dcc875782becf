#!/bin/bash
# Usage: Tests/kafka-emulator.sh start DIR PORT [SECONDS] | stop DIR | install
#
# A single-node Kafka-protocol emulator for the tests: noida-db 0.2.3 from PyPI, installed once
# into .build/venv-kafka (or the venv KAFKA_EMULATOR_VENV names). It is a test double, not a
# production broker (one node, no replication). `start` runs it on 127.0.0.1:PORT with its
# data under DIR, in a session of its own that ends by itself after SECONDS (default 600)
# whatever happens to the caller, and returns once the port answers. `stop` kills that session and removes DIR. `install` only
# installs; it exits 2 when PyPI cannot be reached, so callers can skip with the reason.
set -euo pipefail
venv=${KAFKA_EMULATOR_VENV:-.build/venv-kafka}
binary() { echo "$venv"/lib/python3*/site-packages/noida_db/noida-db; }

install() {
    [ -x "$(binary)" ] && return 0
    python3 -m venv "$venv"
    # PyPI may stumble once: three tries, a little apart.
    for attempt in 1 2 3; do
        "$venv/bin/pip" install --quiet --disable-pip-version-check --retries 3 --timeout 30 noida-db==0.2.3 && return 0
        [ "$attempt" = 3 ] || sleep $((attempt * 5))
    done
    echo "cannot install noida-db 0.2.3 from PyPI (no network?)" >&2
    exit 2
}

case "${1:-}" in
install) install ;;
start)
    dir=$2 port=$3 seconds=${4:-600}
    install
    mkdir -p "$dir/data"
    # setsid: the emulator leads a process group of its own, which `stop` kills as a whole;
    # timeout ends it even when no one calls `stop`.
    setsid timeout -s KILL "$seconds" "$(binary)" start --data-dir "$dir/data" --host 127.0.0.1 \
        --only kafka --kafka-port "$port" > "$dir/log" 2>&1 < /dev/null &
    echo $! > "$dir/pid"
    for _ in $(seq 1 100); do
        if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
            echo "kafka emulator on 127.0.0.1:$port (pid $(cat "$dir/pid"), stops by itself after ${seconds}s)"
            exit 0
        fi
        kill -0 "$(cat "$dir/pid")" 2> /dev/null || { echo "the kafka emulator exited:"; cat "$dir/log"; exit 1; }
        sleep 0.1
    done
    echo "the kafka emulator did not answer on port $port in 10s:"; cat "$dir/log"
    kill -KILL -- "-$(cat "$dir/pid")" 2> /dev/null || true
    exit 1
    ;;
stop)
    dir=$2
    if [ -f "$dir/pid" ]; then
        pid=$(cat "$dir/pid")
        kill -TERM -- "-$pid" 2> /dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2> /dev/null || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start DIR PORT [SECONDS] | stop DIR | install" >&2
    exit 64
    ;;
esac
