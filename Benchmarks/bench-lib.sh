# Shared by saga-bench.sh and saga-long.sh (sourced): a release sagad on a fresh state directory
# under $root (fsync always, work_ms 0), the raw-disk baseline and /proc readings of the daemon.
# Expects $bin (release build directory) and $root (state root) to be set.
mkdir -p "$root"
root=$(cd "$root" && pwd)
run_dir=$(mktemp -d "$root/saga-bench.XXXXXX")
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$run_dir"
}
trap cleanup EXIT

# write(512 B) + fdatasync per second on this disk, for 2 seconds: the baseline every ratio uses.
raw_syncs_per_second() { raw_syncs | cut -d' ' -f1; }

# The same loop's rate and the CPU (user + system, microseconds) each write+fdatasync took:
# what one durable write costs this machine before any work of the daemon's.
raw_syncs() {
  python3 - "$run_dir/raw" <<'EOF'
import os, resource, sys, time
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block, count, start, cpu_start = b"a" * 512, 0, time.monotonic(), cpu()
while time.monotonic() - start < 2.0:
    os.write(fd, block); os.fdatasync(fd); count += 1
print(f"{count / (time.monotonic() - start):.0f} {(cpu() - cpu_start) * 1e6 / count:.0f}")
os.close(fd); os.unlink(sys.argv[1])
EOF
}

# Clock ticks of CPU (user + system) the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

can_count_syncs() {
  command -v perf >/dev/null 2>&1 &&
    perf stat -e syscalls:sys_enter_fdatasync -p $$ -- sleep 0.1 >/dev/null 2>&1
}

start_daemon() {
  local state=$run_dir/state
  rm -rf "$state"; mkdir -p "$state"
  cat > "$run_dir/sagad.yaml" <<EOF
state_dir: $state
control:
  socket: $run_dir/sagad.sock
log:
  partitions: ${PARTITIONS:-}
  fsync: always
order:
  max_in_flight: 100000
fulfillment:
  work_ms: 0
  concurrency: 512
logging:
  level: warning
EOF
  "$bin/sagad" --config "$run_dir/sagad.yaml" > "$run_dir/sagad.out" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 300); do
    "$bin/sagactl" health --socket "$run_dir/sagad.sock" >/dev/null 2>&1 && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "sagad did not start:"; tail -20 "$run_dir/sagad.out"; exit 1
}

stop_daemon() {
  kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
}

