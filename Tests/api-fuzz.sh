#!/bin/bash
# Usage: Tests/api-fuzz.sh SAGAD_BINARY [EXAMPLES] [SEED]
#
# schemathesis (PyPI) against openapi.yaml on a real daemon's loopback listener: every
# operation with generated valid and invalid requests, stateful sequences from the spec's links,
# and each answer checked against the spec (status codes, problem bodies, schemas). It installs
# schemathesis into .build/schemathesis once. The listener asks for a bearer token, which
# schemathesis sends with every request. A fixed seed keeps `make test` repeatable; `make
# fuzz-api` runs more examples with a fresh seed. Prints `schemathesis: N cases, F failures`.
set -euo pipefail
sagad=$1
examples=${2:-30}
seed=${3-20261127}
venv=.build/schemathesis
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    # PyPI may stumble once: three tries, a little apart.
    for attempt in 1 2 3; do
        "$venv/bin/pip" install --quiet --disable-pip-version-check --retries 5 --timeout 60 schemathesis==4.32.5 && break
        [ "$attempt" = 3 ] && { echo "cannot install schemathesis from PyPI"; exit 1; }
        sleep $((attempt * 10))
    done
fi

state=$(mktemp -d /tmp/sagad-fuzz.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The listener runs as it should in production: behind a bearer token (http.token_file).
token=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
(umask 077 && echo "$token" > "$state/token")
env -u NOTIFY_SOCKET SAGAD_FULFILLMENT_WORK_MS=0 SAGAD_HTTP_LISTEN="127.0.0.1:$port" \
    SAGAD_HTTP_TOKEN_FILE="$state/token" "$sagad" --state-dir "$state" > "$state.log" 2>&1 &
daemon=$!
trap 'kill "$daemon" 2> /dev/null; wait "$daemon" 2> /dev/null; rm -rf "$state" "$state.log"' EXIT
for _ in $(seq 1 300); do
    curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/readyz" > /dev/null && break
    kill -0 "$daemon" 2> /dev/null || { echo "sagad exited:"; cat "$state.log"; exit 1; }
    sleep 0.1
done

set +e
"$venv/bin/schemathesis" run openapi.yaml --url "http://127.0.0.1:$port" --max-examples "$examples" \
    -H "Authorization: Bearer $token" \
    ${seed:+--seed "$seed"} --request-timeout 30 --no-color 2>&1 | tee "$state.run"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "^ *[0-9]+ generated" "$state.run" | tail -1 || true)
cases=$(sed -nE 's/^ *([0-9]+) generated.*/\1/p' <<< "$summary")
failures=$(sed -nE 's/.*found ([0-9]+) unique failures?.*/\1/p' <<< "$summary")
echo "schemathesis: ${cases:-0} cases, ${failures:-0} failures (seed ${seed:-random})"
rm -f "$state.run"
exit "$status"
