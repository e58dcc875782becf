# The checks run.sh runs against sagad inside the container, one function each. Sourced by
# run.sh, which provides: ns/ns_t (run a command in the container, bounded), W (work dir),
# SOCK (the API socket path in the container), HERE, and BACKGROUND (pids its cleanup kills).
# Each check returns 0 or 1 and leaves a short explanation in DETAIL.

UNIT=sagad.service

# One property of sagad.service (or of $2).
prop() {
    ns systemctl show -p "$1" --value "${2:-$UNIT}" 2>/dev/null
}

# HTTP over the control socket from inside the container: api METHOD PATH [BODY] [SECONDS].
# Prints the body, then the status code on a line of its own.
api() {
    local method=$1 path=$2 body=${3:-} seconds=${4:-10}
    local args=(-sS --max-time "$seconds" --unix-socket "$SOCK" -X "$method" -w '\n%{http_code}')
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    ns_t $((seconds + 5)) curl "${args[@]}" "http://x$path" 2>&1
}

status_of() { tail -n 1 <<<"$1"; }
body_of() { sed '$d' <<<"$1"; }

# The last journal cursor, to read only what comes after it.
journal_cursor() {
    ns journalctl -q -n 1 -o export 2>/dev/null | sed -n 's/^__CURSOR=//p'
}

# Polls `condition` (a command) every 0.2 s for up to $1 seconds.
wait_until() {
    local seconds=$1 deadline
    shift
    deadline=$(awk -v now="$EPOCHREALTIME" -v s="$seconds" 'BEGIN { printf "%.3f", now + s }')
    until "$@"; do
        awk -v now="$EPOCHREALTIME" -v d="$deadline" 'BEGIN { exit !(now >= d) }' && return 1
        sleep 0.2
    done
}

# The unit's recent journal, indented, for failure reports.
show_journal() {
    ns journalctl -q --no-pager -n "${1:-15}" -u "$UNIT" -o short-precise 2>&1 | sed 's/^/      | /'
}

check_verify() {
    local out
    out=$(ns_t 30 systemd-analyze verify --man=no \
        /usr/local/lib/systemd/system/sagad.service /usr/local/lib/systemd/system/sagad.socket 2>&1)
    local rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then
        DETAIL="systemd-analyze verify printed nothing"
        return 0
    fi
    DETAIL="systemd-analyze verify rc=$rc: $(head -n 3 <<<"$out" | paste -sd'|')"
    return 1
}

check_security() {
    local out score
    out=$(ns_t 30 systemd-analyze security --no-pager sagad.service 2>&1)
    score=$(sed -n 's/.*Overall exposure level for sagad.service: \([0-9.]*\).*/\1/p' <<<"$out")
    if [ -z "$score" ]; then
        DETAIL="no exposure score in: $(tail -n 2 <<<"$out" | paste -sd'|')"
        return 1
    fi
    EXPOSURE=$score
    DETAIL="exposure $score (target <= 2.0)"
    awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
}

check_start_blocks_until_ready() {
    local started state sub type
    started=$EPOCHREALTIME
    if ! ns_t 90 systemctl start "$UNIT" 2> /dev/null; then
        DETAIL="systemctl start failed: $(prop ActiveState)/$(prop Result), exit $(prop ExecMainStatus)"
        show_journal
        return 1
    fi
    # Read right after `start` returned: Type=notify must have waited for READY=1, so the
    # unit is already active, not still activating.
    state=$(prop ActiveState) sub=$(prop SubState) type=$(prop Type)
    DETAIL="start returned after $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s;"
    DETAIL+=" Type=$type $state/$sub status='$(prop StatusText)'"
    [ "$type" = notify ] && [ "$state" = active ] && [ "$sub" = running ]
}

check_healthz_through_socket() {
    local reply code
    reply=$(api GET /healthz)
    code=$(status_of "$reply")
    DETAIL="GET /healthz via $SOCK -> $code; socket file $(ns stat -c '%U:%G %a' "$SOCK" 2>&1)"
    [ "$code" = 200 ]
}

check_order_finishes() {
    local reply code id status
    reply=$(api POST /v1/orders '{}')
    code=$(status_of "$reply")
    if [ "$code" != 201 ]; then
        DETAIL="POST /v1/orders -> $code: $(body_of "$reply" | head -c 200)"
        return 1
    fi
    id=$(body_of "$reply" | python3 "$HERE/jsontool.py" get id 2>&1) || {
        DETAIL="no order id in the reply: $id"
        return 1
    }
    reply=$(api GET "/v1/orders/$id?wait=terminal&timeout=20" "" 25)
    code=$(status_of "$reply")
    status=$(body_of "$reply" | python3 "$HERE/jsontool.py" get status 2>&1)
    DETAIL="order $id: GET ?wait=terminal -> $code, status $status"
    [ "$code" = 200 ] && [ "$status" = finished ]
}

check_reload_applies_log_level() {
    local pid cursor lines
    pid=$(prop MainPID)
    cursor=$(journal_cursor)
    ns sed -i '/^logging:/,/^[^ #]/ s/^\(  level:\).*/\1 debug/' /etc/sagad/sagad.yaml
    if ! ns grep -q '^  level: debug' /etc/sagad/sagad.yaml; then
        DETAIL="could not set logging.level in /etc/sagad/sagad.yaml"
        return 1
    fi
    local err
    if ! err=$(ns_t 30 systemctl reload "$UNIT" 2>&1); then
        DETAIL="systemctl reload failed: $err"
        show_journal
        return 1
    fi
    reloaded() {
        lines=$(ns journalctl -q --no-pager -o cat -u "$UNIT" --after-cursor "$cursor" 2>/dev/null)
        grep -i 'configuration reloaded' <<<"$lines" | grep -qi 'debug'
    }
    if ! wait_until 10 reloaded; then
        DETAIL="no 'configuration reloaded … debug' line in the journal after reload"
        show_journal 8
        return 1
    fi
    DETAIL="journal: '$(grep -i 'configuration reloaded' <<<"$lines" | tail -n 1 | cut -c1-120)'"
    wait_until 10 test "$(prop ActiveState)" = active || {
        DETAIL+="; unit is $(prop ActiveState) after reload"
        return 1
    }
    [ "$(prop MainPID)" = "$pid" ] || {
        DETAIL+="; MainPID changed ($pid -> $(prop MainPID)): reload restarted sagad"
        return 1
    }
}

check_journal_keeps_priorities() {
    local out
    out=$(ns_t 30 journalctl -q --no-pager -u "$UNIT" -o json 2>/dev/null | python3 "$HERE/jsontool.py" priorities)
    local rc=$?
    DETAIL="sagad lines: $out"
    return $rc
}

check_watchdog_restart_keeps_socket() {
    local pid restarts started new_pid
    pid=$(prop MainPID) restarts=$(prop NRestarts)
    if [ -z "$pid" ] || [ "$pid" = 0 ]; then
        DETAIL="sagad is not running"
        return 1
    fi
    started=$EPOCHREALTIME
    ns kill -STOP "$pid"
    # Clients keep arriving every 0.5 s while sagad hangs, dies and restarts. The socket is
    # systemd's, so each must connect at once and be answered (by the new sagad at the latest).
    rm -f "$W"/client.*
    (
        n=0
        while [ -d "$W" ] && [ ! -e "$W/clients.stop" ] && [ $n -lt 100 ]; do
            n=$((n + 1))
            (api GET /healthz "" 45 > "$W/client.$n") &
            sleep 0.5
        done
        wait
    ) &
    local clients=$!
    BACKGROUND+=("$clients")
    replaced() {
        new_pid=$(prop MainPID)
        [ -n "$new_pid" ] && [ "$new_pid" != 0 ] && [ "$new_pid" != "$pid" ] && [ "$(prop ActiveState)" = active ]
    }
    local ok=0
    wait_until 40 replaced && ok=1
    local took
    took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    touch "$W/clients.stop"
    [ $ok = 1 ] || ns kill -CONT "$pid" 2> /dev/null
    wait "$clients"
    local total=0 answered=0 f failures=
    for f in "$W"/client.*; do
        [ -e "$f" ] || continue
        total=$((total + 1))
        if [ "$(tail -n 1 "$f")" = 200 ]; then
            answered=$((answered + 1))
        else
            failures+="$(tr '\n' ' ' < "$f" | cut -c1-100)"$'\n'
        fi
    done
    local why
    why=$(ns journalctl -q --no-pager -o cat -u "$UNIT" | grep -c 'Watchdog timeout')
    if [ $ok = 0 ]; then
        DETAIL="no restart within 40 s (MainPID $(prop MainPID), $(prop ActiveState)/$(prop SubState))"
        show_journal
        return 1
    fi
    DETAIL="pid $pid -> $new_pid active after ${took}s, NRestarts $restarts -> $(prop NRestarts),"
    DETAIL+=" 'Watchdog timeout' logged ${why}x; $answered/$total clients during the restart got 200"
    [ -n "$failures" ] && DETAIL+="; others: $(sort <<<"$failures" | uniq -c | sed 's/^ *//' | paste -sd'|')"
    [ "$why" -ge 1 ] && [ "$total" -gt 0 ] && [ "$answered" = "$total" ]
}

check_stop_drains_cleanly() {
    local err
    if ! err=$(ns_t 60 systemctl stop "$UNIT" 2>&1); then
        DETAIL="systemctl stop failed: $err"
        return 1
    fi
    local state result code status
    state=$(prop ActiveState) result=$(prop Result) code=$(prop ExecMainCode) status=$(prop ExecMainStatus)
    DETAIL="$state, Result=$result, ExecMainCode=$code ExecMainStatus=$status"
    # ExecMainCode 1 is CLD_EXITED: sagad exited by itself instead of being killed.
    [ "$state" = inactive ] && [ "$result" = success ] && [ "$code" = 1 ] && [ "$status" = 0 ]
}
