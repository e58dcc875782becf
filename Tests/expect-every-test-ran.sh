#!/usr/bin/env bash
# Fails unless a `swift test` run executed every test it was meant to: its closing line
# ("Test run with N tests …") must count as many tests as `swift test list` names for the
# same selection. A run that silently skipped tests would otherwise still exit 0.
# usage: expect-every-test-ran.sh LIST_FILE OUTPUT_FILE LABEL (grep -E pattern args for the list)…
set -euo pipefail
list=$1 output=$2 label=$3
shift 3
expected=$(grep -cE "$@" "$list" || true)
ran=$(grep -oE "Test run with [0-9]+ test" "$output" | tail -n 1 | awk '{print $4}')
if [ -z "$ran" ] || [ "$ran" -ne "$expected" ]; then
  echo "$label: ran ${ran:-no} tests, but $expected are listed for it"
  exit 1
fi
echo "$label: all $ran listed tests ran"
