#!/usr/bin/env bash
# `make bench-long`: does the saga stay as fast as it started? One release sagad (fsync always,
# work_ms 0) takes TOTAL orders through its socket in chunks of CHUNK (`sagactl bench`, closed
# loop at CONCURRENCY); after each chunk it prints the chunk's rate, the daemon's CPU per order
# and RSS. Ends with the first and last chunk compared: the rate ratio (≥ 0.90 wanted) and the
# RSS change after warm-up (the first chunk; within ±10% wanted). Exit 1 when either misses.
#
# usage: saga-long.sh BIN_DIR STATE_ROOT [TOTAL] [CHUNK] [CONCURRENCY]
set -euo pipefail
bin=${1:?release build directory}
root=${2:?state root}
total=${3:-1000000}
chunk=${4:-100000}
concurrency=${5:-64}

source "$(dirname "$0")/bench-lib.sh"

start_daemon
printf '%-22s %10s %10s %8s\n' "orders" "orders/s" "cpu ms/o" "rss MB"
rates=() rss=()
done_orders=0
while [ "$done_orders" -lt "$total" ]; do
  ticks_before=$(cpu_ticks "$daemon_pid")
  "$bin/sagactl" bench --socket "$run_dir/sagad.sock" --json --orders "$chunk" --concurrency "$concurrency" \
    > "$run_dir/chunk.json" 2> "$run_dir/chunk.err" || { echo "sagactl bench failed:"; tail -20 "$run_dir/chunk.err"; exit 1; }
  ticks_after=$(cpu_ticks "$daemon_pid")
  rate=$(python3 -c "import json; d = json.load(open('$run_dir/chunk.json')); print(f\"{d['orders_per_second']:.0f}\") if d['statuses'].get('finished', 0) == d['completed'] == $chunk else print('unfinished')")
  [ "$rate" != unfinished ] || { echo "not every order of the chunk finished:"; cat "$run_dir/chunk.json"; exit 1; }
  cpu=$(python3 -c "print(f'{($ticks_after - $ticks_before) * 1000 / $(getconf CLK_TCK) / $chunk:.2f}')")
  rates+=("$rate"); rss+=("$(rss_mb "$daemon_pid")")
  printf '%-22s %10s %10s %8s\n' "$((done_orders + 1))-$((done_orders + chunk))" "$rate" "$cpu" "${rss[-1]}"
  done_orders=$((done_orders + chunk))
done
stop_daemon
python3 - "${rates[0]}" "${rates[-1]}" "${rss[0]}" "${rss[-1]}" <<'PY'
import sys
first, last, rss_first, rss_last = map(float, sys.argv[1:])
ratio, growth = last / first, (rss_last - rss_first) / rss_first
print(f"flatness: last chunk at {ratio:.2f}× the first chunk's rate (want ≥ 0.90); "
      f"RSS {rss_first:.0f} → {rss_last:.0f} MB after warm-up ({growth:+.0%}, want within ±10%)")
sys.exit(0 if ratio >= 0.90 and abs(growth) <= 0.10 else 1)
PY
