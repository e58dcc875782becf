#!/bin/bash
# sagad under a real systemd: installs the given build with the real `make install` (DESTDIR
# stage, PREFIX=/usr), boots systemd as PID 1 in fresh namespaces over a throw-away overlay of
# this machine's root with that stage installed and only sagad.socket enabled, runs the checks
# in checks.sh, orders.sh and install.sh, and powers the container off again.
#
#   Tests/systemd/run.sh path/to/.build/debug/sagad   (sagactl must sit beside it)
#
# Prints one line per check and ends with `systemd: N passed, M failed` (exit 1 if M > 0).
# Without root or namespaces it prints `systemd tests skipped: <reason>` and exits 0, but only
# when not root and CI is not true: as root or in CI (which runs as root) a missing capability
# is a failure (`systemd tests cannot run: <reason>`, exit 1), so a green run means they ran.
# Optional: SAGAD_SYSTEMD_DROPIN=file installs a sagad.service drop-in (for trials);
# SAGAD_SYSTEMD_SOCKET=path points the API checks at another socket inside the container;
# SAGAD_SYSTEMD_VERBOSE=1 prints sagad's journal at the end (it is printed anyway on failure).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SOCK=${SAGAD_SYSTEMD_SOCKET:-/run/sagad/sagad.sock}

if [ $# -ne 1 ] || [ ! -f "$1" ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/sagad   (an executable sagad binary)" >&2
    exit 64
fi
BIN=$(realpath "$1")
# `make install CONFIGURATION=debug|release` installs from .build/<configuration>: the binary
# must be that build of this tree.
CONFIGURATION=$(basename "$(dirname "$BIN")")
if [ "$(realpath "$ROOT/.build/$CONFIGURATION" 2> /dev/null)" != "$(dirname "$BIN")" ] || [ ! -x "$(dirname "$BIN")/sagactl" ]; then
    echo "usage: $0 path/to/sagad   ($1 is not .build/debug/sagad or .build/release/sagad of $ROOT with sagactl beside it)" >&2
    exit 64
fi

# A missing capability: a skip for a developer without root, a failure as root or in CI.
skip() {
    if [ "$(id -u)" = 0 ] || [ "${CI:-}" = true ]; then
        echo "systemd tests cannot run: $* (root or CI=true: not skipping)"
        echo "systemd: 0 passed, 1 failed"
        exit 1
    fi
    echo "systemd tests skipped: $*"
    exit 0
}

# --- can we run at all? ---------------------------------------------------------------
[ "$(id -u)" = 0 ] || skip "needs root (it mounts an overlay and creates namespaces)"
for tool in unshare nsenter pivot_root curl python3 timeout awk make cmp; do
    command -v "$tool" > /dev/null || skip "$tool is not installed"
done
[ -x /lib/systemd/systemd ] || skip "systemd is not installed (/lib/systemd/systemd)"
command -v systemd-analyze > /dev/null || skip "systemd-analyze is not installed"
grep -qw overlay /proc/filesystems || skip "the kernel has no overlayfs"
timeout 10 unshare --pid --fork --mount --uts --ipc --net --cgroup --propagation private true 2> /dev/null \
    || skip "cannot create pid/mount/net/cgroup namespaces here (unshare failed; a container without --privileged?)"
CGROOT=/sys/fs/cgroup
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || CGROOT=/sys/fs/cgroup/unified  # hybrid hierarchy
[ -w "$CGROOT/cgroup.procs" ] || skip "no writable cgroup2 hierarchy at $CGROOT"
if [ -d /run/systemd/system ] && [ -z "${SAGAD_SYSTEMD_SCOPE:-}" ]; then
    # A host systemd owns the cgroup tree: take a delegated scope and build below it.
    command -v systemd-run > /dev/null || skip "host runs systemd but systemd-run is missing"
    exec env SAGAD_SYSTEMD_SCOPE=1 systemd-run --quiet --scope -p Delegate=yes --collect "$0" "$@"
fi

# --- workspace and cleanup --------------------------------------------------------------
T0=$EPOCHREALTIME
W=$(mktemp -d /tmp/sagad-systemd.XXXXXX)
OWN_CGROUP=$(sed -n 's/^0:://p' /proc/self/cgroup)
CG="$CGROOT${OWN_CGROUP%/}/sagad-systemd-test-$$"
BOOT= S= PASSED=0 FAILED=0 EXPOSURE=? BOOT_SECONDS=? POWEROFF_SECONDS=?
BACKGROUND=()

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
ns() { timeout 30 nsenter -t "$S" -a "$@"; }
ns_t() {
    local seconds=$1
    shift
    timeout "$seconds" nsenter -t "$S" -a "$@"
}

cleanup() {
    set +e
    local t=$EPOCHREALTIME i pid
    for pid in "${BACKGROUND[@]}"; do kill "$pid" 2> /dev/null; done
    if [ -n "$BOOT" ] && kill -0 "$BOOT" 2> /dev/null; then
        [ -n "$S" ] && timeout 20 nsenter -t "$S" -a systemctl poweroff --no-block > /dev/null 2>&1
        for i in $(seq 150); do kill -0 "$BOOT" 2> /dev/null || break; sleep 0.1; done
        if kill -0 "$BOOT" 2> /dev/null; then
            echo "container did not power off; killing its init (and so its whole pid namespace)"
            [ -n "$S" ] && kill -KILL "$S" 2> /dev/null
            for i in $(seq 50); do kill -0 "$BOOT" 2> /dev/null || break; sleep 0.1; done
            kill -KILL "$BOOT" 2> /dev/null
        fi
        wait "$BOOT" 2> /dev/null
        POWEROFF_SECONDS=$(elapsed "$t")
    fi
    # The container's cgroups empty out once its processes are reaped; remove them bottom-up.
    if [ -d "$CG" ]; then
        for i in $(seq 50); do
            find "$CG" -depth -type d -exec rmdir {} \; 2> /dev/null
            [ -d "$CG" ] || break
            sleep 0.1
        done
        [ -d "$CG" ] && echo "warning: could not remove cgroup $CG"
    fi
    # Everything was mounted inside the container's private mount namespace; refuse to delete
    # the work dir if anything is still mounted below it on the host.
    if grep -q " $W/" /proc/self/mounts; then
        echo "warning: $W still has mounts; left in place"
    else
        rm -rf "$W"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record() {
    local verdict=$1 name=$2 seconds=$3
    if [ "$verdict" = PASS ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
    printf '%s %-34s %6ss  %s\n' "$verdict" "$name" "$seconds" "$DETAIL"
}

run_check() {
    local name=$1 t=$EPOCHREALTIME
    DETAIL=
    if "check_$name"; then record PASS "$name" "$(elapsed "$t")"; else record FAIL "$name" "$(elapsed "$t")"; fi
}

finish() {
    if [ -n "$S" ] && { [ "$FAILED" -gt 0 ] || [ -n "${SAGAD_SYSTEMD_VERBOSE:-}" ]; }; then
        echo "last journal lines of sagad.service:"
        ns journalctl -q --no-pager -n 40 -u sagad.service -o short-precise 2>&1 | sed 's/^/  | /'
    fi
    echo "timings: boot ${BOOT_SECONDS}s, checks+boot $(elapsed "$T0")s; exposure $EXPOSURE"
    cleanup
    trap - EXIT
    echo "systemd: $PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# --- install with the real Makefile: the stage is what the container boots with -----------
# shellcheck source=install.sh
. "$HERE/install.sh"
mkdir -p "$W/payload"
[ -n "${SAGAD_SYSTEMD_DROPIN:-}" ] && cp "$SAGAD_SYSTEMD_DROPIN" "$W/payload/dropin.conf"
echo "$CG" > "$W/cgroup"
echo "$ROOT" > "$W/repository"
run_check make_install_stages_the_system_paths
[ "$FAILED" = 0 ] || finish

# --- boot -----------------------------------------------------------------------------------
DETAIL=
boot_container() {
    setsid "$HERE/container.sh" boot "$W" > "$W/boot.log" 2>&1 &
    BOOT=$!
    # The container's systemd is unshare's child once it has exec'd systemd (not a short-lived
    # helper of the boot script: check /proc/PID/exe).
    local i child
    for i in $(seq 200); do
        for child in $(ps -o pid= --ppid "$BOOT" 2> /dev/null); do
            case "$(readlink "/proc/$child/exe" 2> /dev/null)" in */systemd) S=$child ;; esac
        done
        [ -n "$S" ] && break
        kill -0 "$BOOT" 2> /dev/null || break
        sleep 0.05
    done
    if [ -z "$S" ]; then
        DETAIL="container systemd did not start: $(tail -n 3 "$W/boot.log" | paste -sd'|')"
        return 1
    fi
    for i in $(seq 200); do
        ns test -S /run/systemd/private 2> /dev/null && break
        sleep 0.05
    done
    local state
    state=$(ns_t 60 systemctl is-system-running --wait 2>&1)
    BOOT_SECONDS=$(elapsed "$T0")
    DETAIL="host pid $S, system $state after ${BOOT_SECONDS}s"
    if [ "$state" != running ]; then
        DETAIL+="; failed units: $(ns systemctl list-units --failed --plain --no-legend 2>&1 | awk '{print $1}' | paste -sd' ')"
        [ "$state" = degraded ] || return 1
    fi
}
check_boot() { boot_container; }
run_check boot
[ -n "$S" ] || finish

# --- checks -----------------------------------------------------------------------------
# shellcheck source=checks.sh
. "$HERE/checks.sh"
# shellcheck source=orders.sh
. "$HERE/orders.sh"
run_check installed_units_as_staged
run_check reinstall_and_uninstall_keep_an_edited_config
run_check verify
run_check security
run_check first_connection_starts_sagad
run_check grpc_socket_passed
run_check order_finishes
run_check start_blocks_until_ready_clients_answered
run_check reload_applies_limits_and_log_level
run_check stop_drains_in_flight_orders
run_check restart_resumes_in_flight_orders
run_check journal_keeps_priorities
run_check watchdog_restart_keeps_socket
run_check live_install_and_uninstall
run_check cluster_dropin_reaches_brokers
finish
