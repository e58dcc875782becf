#!/bin/bash
# Usage: Tests/grpc-python.sh SAGAD_BINARY
#
# A gRPC client no one here wrote against a real daemon's gRPC Unix socket: Python grpcio with
# stubs generated at run time by grpcio-tools from proto/sagad/v1/orders.proto (see
# Tests/grpc_python_client.py). Installs both from PyPI into .build/grpc-python once.
# Prints `grpc-python: N placed, W watched to settlement …, C canceled, 0 failures`.
set -euo pipefail
sagad=$1
venv=.build/grpc-python
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import grpc, grpc_tools' 2> /dev/null; then
    python3 -m venv "$venv"
    # PyPI may stumble once: three tries, a little apart.
    for attempt in 1 2 3; do
        "$venv/bin/pip" install --quiet --disable-pip-version-check --retries 5 --timeout 60 \
            grpcio==1.84.0 grpcio-tools==1.84.0 && break
        [ "$attempt" = 3 ] && { echo "cannot install grpcio from PyPI"; exit 1; }
        sleep $((attempt * 10))
    done
fi

state=$(mktemp -d /tmp/sagad-grpc-py.XXXXXX)
env -u NOTIFY_SOCKET -u LISTEN_FDS -u LISTEN_PID -u LISTEN_FDNAMES SAGAD_FULFILLMENT_WORK_MS=0 \
    "$sagad" --state-dir "$state" > "$state.log" 2>&1 &
daemon=$!
trap 'kill "$daemon" 2> /dev/null || true; wait "$daemon" 2> /dev/null || true; rm -rf "$state" "$state.log"' EXIT
for _ in $(seq 1 300); do
    curl -sf --unix-socket "$state/run/sagad.sock" http://localhost/readyz > /dev/null \
        && [ -S "$state/run/sagad-grpc.sock" ] && break
    kill -0 "$daemon" 2> /dev/null || { echo "sagad exited:"; cat "$state.log"; exit 1; }
    sleep 0.1
done
"$venv/bin/python" Tests/grpc_python_client.py proto "$state" || { echo "sagad's log:"; tail -50 "$state.log"; exit 1; }
# The daemon must stop cleanly once its gRPC clients are gone.
kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
[ "$status" -eq 0 ] || { echo "sagad exited $status on SIGTERM:"; tail -30 "$state.log"; exit 1; }
