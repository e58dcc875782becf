#!/usr/bin/env bash
# The saga rows of `make bench`: the release sagad on a fresh state directory, driven through
# its Unix socket by `sagactl bench` — closed loop at saturation and open loop at a fixed rate —
# with the daemon's CPU per order (from /proc), its fdatasync+fsync calls per order (perf's
# syscall tracepoints, when the kernel lets perf read them) and its RSS. The baseline is measured
# in the same run on the same disk: write(512 B)+fdatasync calls per second, and the CPU each
# took. The services also run in-process (no HTTP) at both concurrencies, and one client alone
# shows what an order costs when nothing shares a sync (its floor: syncs × CPU per raw sync).
#
# usage: saga-bench.sh BIN_DIR STATE_ROOT [ORDERS] [CONCURRENCY] [RATE] [SECONDS] [WIDE]
# Prints one row per run; every run stops by itself. WIDE (default 256) is a second closed loop
# with that many clients and 4×ORDERS orders: 64 clients leave these 2 cores partly idle, and
# the saturation the saga is measured at spans 64 to 256.
set -euo pipefail
bin=${1:?release build directory}
root=${2:?state root}
orders=${3:-5000}
concurrency=${4:-64}
rate=${5:-1000}
seconds=${6:-10}
wide=${7:-256}

source "$(dirname "$0")/bench-lib.sh"

# Runs `sagactl bench "$@"` against the daemon and prints: orders/s, p50/p99 create→terminal
# and create request (ms), CPU ms per order, syncs per order, RSS MB.
measure() {
  local perf_pid="" ticks_before ticks_after syncs="n/a"
  ticks_before=$(cpu_ticks "$daemon_pid")
  if [ "$counting" = yes ]; then
    perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync -p "$daemon_pid" \
      -o "$run_dir/perf.txt" & perf_pid=$!
    sleep 0.2
  fi
  "$bin/sagactl" bench --socket "$run_dir/sagad.sock" --json "$@" > "$run_dir/bench.json" 2> "$run_dir/bench.err" || {
    echo "sagactl bench $* failed:"; tail -20 "$run_dir/bench.err"; exit 1; }
  ticks_after=$(cpu_ticks "$daemon_pid")
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
    syncs=$(awk -F, '/sys_enter_f(data)?sync/ {s += $1} END {print s + 0}' "$run_dir/perf.txt")
  fi
  python3 - "$run_dir/bench.json" "$((ticks_after - ticks_before))" "$(getconf CLK_TCK)" "$syncs" "$(rss_mb "$daemon_pid")" <<'EOF'
import json, sys
bench = json.load(open(sys.argv[1]))
ticks, hz, syncs, rss = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
done = max(1, bench["completed"])
finished = bench["statuses"].get("finished", 0)
cpu = ticks * 1000.0 / hz / done
per_order = f"{int(syncs) / done:.2f}" if syncs != "n/a" else "n/a"
t, c = bench["create_to_terminal"], bench["create_request"]
print(f'{bench["orders_per_second"]:.0f} {finished} {done} {t["p50_ms"]:.1f} {t["p99_ms"]:.1f} '
      f'{c["p50_ms"]:.1f} {c["p99_ms"]:.1f} {cpu:.2f} {per_order} {rss}')
EOF
}

counting=no
if can_count_syncs; then counting=yes; fi
read -r baseline sync_cpu_us <<< "$(raw_syncs)"
last_syncs=n/a

printf '%-44s %9s %9s %14s %14s %9s %9s %7s\n' "saga (release sagad, fsync always, work_ms 0)" \
  "orders/s" "×raw" "c→term p50/99" "create p50/99" "cpu ms/o" "syncs/o" "rss MB"
row() {
  local name=$1 result; shift
  result=$(measure "$@")
  read -r per_second finished done t50 t99 c50 c99 cpu syncs rss <<< "$result"
  local ratio
  ratio=$(python3 -c "print(f'{$per_second / $baseline:.2f}')")
  printf '%-44s %9s %9s %14s %14s %9s %9s %7s\n' "$name" "$per_second" "$ratio" "$t50/$t99 ms" \
    "$c50/$c99 ms" "$cpu" "$syncs" "$rss"
  [ "$finished" = "$done" ] || echo "  note: $((done - finished)) of $done orders did not finish (see statuses in sagactl bench)"
  last_syncs=$syncs
}

# The services in one process, no HTTP: orders/s, CPU per order and peak RSS from the benchmark
# itself, syncs from perf around it.
in_process_row() {
  local orders=$1 concurrency=$2
  local command=("$bin/SagaBenchmark" --dir "$run_dir" --orders "$orders" --concurrency "$concurrency" --porcelain)
  local result syncs="n/a"
  if [ "$counting" = yes ]; then
    result=$(perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync -o "$run_dir/perf.txt" -- "${command[@]}")
    syncs=$(awk -F, '/sys_enter_f(data)?sync/ {s += $1} END {print s + 0}' "$run_dir/perf.txt")
    syncs=$(python3 -c "print(f'{$syncs / $orders:.2f}')")
  else
    result=$("${command[@]}")
  fi
  read -r per_second cpu rss <<< "$result"
  printf '%-44s %9s %9s %14s %14s %9s %9s %7s\n' "in-process c$concurrency, $orders orders" "$per_second" \
    "$(python3 -c "print(f'{$per_second / $baseline:.2f}')")" "-" "-" "$cpu" "$syncs" "$rss"
}

in_process_row "$orders" "$concurrency"
in_process_row "$((orders * 4))" "$wide"
start_daemon
row "socket, closed loop c$concurrency, $orders orders" --orders "$orders" --concurrency "$concurrency"
stop_daemon
start_daemon
row "socket, closed loop c$wide, $((orders * 4)) orders" --orders "$((orders * 4))" --concurrency "$wide"
stop_daemon
start_daemon
row "socket, open loop $rate/s for ${seconds}s" --rate "$rate" --duration "$seconds"
stop_daemon
# One client: nothing shares a sync, so every hop's commit pays a whole durable write.
start_daemon
row "socket, closed loop c1, $((orders / 10)) orders" --orders "$((orders / 10))" --concurrency 1
stop_daemon
# Its floor: every sync it made, priced as a raw write+fdatasync and as a bare SQLite commit
# shaped like the placement (both measured now, on this disk).
read -r _ commit_cpu_us <<< "$(python3 "$(dirname "$0")/sqlite-commit-cpu.py" "$run_dir")"
if [ "$last_syncs" != n/a ]; then
  python3 -c "print(f'  c1 floor: $last_syncs syncs/order × $sync_cpu_us µs (raw write+fdatasync) = {$last_syncs * $sync_cpu_us / 1000:.2f} ms; × $commit_cpu_us µs (SQLite commit like a placement) = {$last_syncs * $commit_cpu_us / 1000:.2f} ms')"
fi
echo "baseline: $baseline write+fdatasync/s ($sync_cpu_us µs of CPU each) on $(df --output=source "$root" | tail -1); ×raw = orders/s ÷ that"
[ "$counting" = yes ] || echo "syncs/o: n/a (perf cannot read syscall tracepoints here: install linux-perf, run as root)"
