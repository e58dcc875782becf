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
        /usr/lib/systemd/system/sagad.service /usr/lib/systemd/system/sagad.socket \
        /usr/lib/systemd/system/sagad-grpc.socket 2>&1)
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

# Only sagad.socket is enabled: sagad is down after boot, and the first client starts it and
# is answered by it, on the socket systemd passed.
check_first_connection_starts_sagad() {
    local before reply code after passed mode
    before=$(prop ActiveState)
    if [ "$before" != inactive ]; then
        DETAIL="sagad.service is $before before any connection (only sagad.socket is enabled)"
        return 1
    fi
    reply=$(api GET /healthz "" 60)
    code=$(status_of "$reply")
    after=$(prop ActiveState)
    passed=$(ns journalctl -q --no-pager -o cat -u "$UNIT" | grep -c 'serving the control API on the socket passed by systemd')
    mode=$(ns stat -c '%U:%G %a' "$SOCK" 2>&1)
    DETAIL="before: $before; first GET /healthz -> $code; then $after/$(prop SubState);"
    DETAIL+=" 'socket passed by systemd' logged ${passed}x; $SOCK $mode; state $(ns stat -c '%U %a' /var/lib/sagad/data 2>&1)"
    [ "$code" = 200 ] && [ "$after" = active ] && [ "$passed" -ge 1 ] && [ "$mode" = "sagad:sagad 660" ] \
        && ns test -d /var/lib/sagad/data
}

# The gRPC API is socket-activated too: sagad serves it on the socket sagad-grpc.socket passed
# (FileDescriptorName=grpc), which belongs to systemd with the control socket's owner and mode.
check_grpc_socket_passed() {
    local passed mode
    passed=$(ns journalctl -q --no-pager -o cat -u "$UNIT" | grep -c 'serving the gRPC API on the socket passed by systemd')
    mode=$(ns stat -c '%U:%G %a' /run/sagad/sagad-grpc.sock 2>&1)
    DETAIL="'gRPC API on the socket passed by systemd' logged ${passed}x; /run/sagad/sagad-grpc.sock $mode;"
    DETAIL+=" sagad-grpc.socket $(prop ActiveState sagad-grpc.socket)"
    [ "$passed" -ge 1 ] && [ "$mode" = "sagad:sagad 660" ] && [ "$(prop ActiveState sagad-grpc.socket)" = active ]
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
    ORDER_ID=$id
    [ "$code" = 200 ] && [ "$status" = finished ]
}

# Reloads until sagad has written a line of every level it uses, then checks each kind of line
# kept its exact journal priority (the journal's PRIORITY, not what sagad says of itself).
check_journal_keeps_priorities() {
    local cursor err
    ns cp "$CONFIG" "$CONFIG.good"
    # A key that needs a restart: a warning. An unusable value: an error, the config kept.
    ns sed -i 's/^\(  segment_bytes:\).*/\1 33554432/' "$CONFIG"
    cursor=$(journal_cursor)
    ns_t 30 systemctl reload "$UNIT"
    warned() { journal_since "$cursor" | grep -q 'needs a restart'; }
    wait_until 10 warned || { DETAIL="no 'needs a restart' line after changing log.segment_bytes"; return 1; }
    ns sed -i 's/^\(  failure_rate:\).*/\1 7/' "$CONFIG"
    cursor=$(journal_cursor)
    ns_t 30 systemctl reload "$UNIT"
    failed() { journal_since "$cursor" | grep -q 'reload failed'; }
    wait_until 10 failed || { DETAIL="no 'reload failed' line after an unusable fulfillment.failure_rate"; return 1; }
    ns cp "$CONFIG.good" "$CONFIG"
    cursor=$(journal_cursor)
    ns_t 30 systemctl reload "$UNIT"
    reloaded() { journal_since "$cursor" | grep -q 'configuration reloaded'; }
    wait_until 10 reloaded || { DETAIL="no 'configuration reloaded' after restoring the config"; return 1; }
    local out
    # message kind = expected PRIORITY (2 critical, 3 error, 4 warning, 5 notice, 6 info, 7 debug)
    out=$(ns_t 30 journalctl -q --no-pager -u "$UNIT" -o json 2> /dev/null | python3 "$HERE/jsontool.py" priorities \
        'log recovered=6' 'serving the control API on the socket passed by systemd=6' \
        'shutting down: draining in-flight work=6' 'saga stopped; log closed cleanly=6' \
        'resuming pending fulfillments=6' 'sagad ready=5' 'configuration reloaded=5' 'sagad stopped=5' \
        'changed key needs a restart to take effect=4' 'reload failed; keeping the running configuration=3' \
        'HTTP parse error, closing connection=7' 'systemd watchdog enabled=7')
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

# systemd/cluster.conf opens the sandbox to TCP (a Kafka cluster's brokers): with it, sagad
# set to a broker address in the container's network connects there; without it, the same
# sagad cannot (its private network has nothing at that address). The broker is a bare TCP
# listener that records each connection: sagad does not get far, but it had to reach it.
# Leaves sagad stopped, without either drop-in.
check_cluster_dropin_reaches_brokers() {
    local dir=/etc/systemd/system/sagad.service.d port=19092 seen=/run/sagad-test-broker.log listener
    ns rm -f "$seen"
    ns mkdir -p "$dir"
    ns sh -c "printf '[Service]\nEnvironment=SAGAD_LOG_BACKEND=kafka SAGAD_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$port\n' > $dir/test-broker.conf"
    ns_t 120 python3 -c "
import os, socket
open('$seen.pid', 'w').write(str(os.getpid()))
server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', $port)); server.listen(16)
while True:
    connection, _ = server.accept()
    with open('$seen', 'a') as log: log.write('connected\\n')
    connection.close()
" > /dev/null 2>&1 &
    listener=$!
    BACKGROUND+=("$listener")
    wait_until 10 ns python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" \
        || { DETAIL="the test broker did not listen"; return 1; }
    ns rm -f "$seen"
    # Without the cluster drop-in: sagad tries the broker (its journal names it) and nothing
    # reaches the listener.
    local cursor before tried
    cursor=$(journal_cursor)
    ns systemctl daemon-reload
    ns systemctl restart --no-block sagad.service
    sleep 5
    before=$(ns sh -c "cat $seen 2>/dev/null | wc -l")
    tried=$(ns journalctl -q --no-pager -o cat --after-cursor="$cursor" -u "$UNIT" | grep -c "127.0.0.1:$port")
    ns systemctl stop sagad.service 2> /dev/null
    DETAIL="without cluster.conf: $before connection(s), journal lines naming the broker: $tried"
    # With it: the listener hears from sagad, and the unit shows the opened sandbox.
    ns install -m 0644 "$ROOT/systemd/cluster.conf" "$dir/cluster.conf"
    ns systemctl daemon-reload
    local verify t=$EPOCHREALTIME reached=no
    # The drop-in applies to the unit wherever its fragment is; units it wants that this
    # container does not have are not faults.
    verify=$(ns_t 30 systemd-analyze verify --man=no "$(prop FragmentPath)" 2>&1 \
        | grep -v 'kafka.service\|postgresql.service' || true)
    ns systemctl restart --no-block sagad.service
    wait_until 20 ns test -s "$seen" && reached="yes after $(elapsed "$t")s"
    local network families deny after
    network=$(prop PrivateNetwork) families=$(prop RestrictAddressFamilies) deny=$(prop IPAddressDeny) after=$(prop After)
    ns systemctl stop sagad.service 2> /dev/null
    ns rm -f "$dir/cluster.conf" "$dir/test-broker.conf"
    ns systemctl daemon-reload
    # The listener runs in the container's namespaces, not below its systemd: stop it here.
    ns sh -c "kill \$(cat $seen.pid)"
    wait "$listener" 2> /dev/null
    DETAIL+="; with it: reached the broker: $reached, PrivateNetwork=$network, families '$families', IPAddressDeny='$deny'"
    [ -n "$verify" ] && DETAIL+="; verify: $(head -n 2 <<<"$verify" | paste -sd'|')"
    [ "$before" = 0 ] && [ "$tried" -ge 1 ] && [[ "$reached" == yes* ]] && [ "$network" = no ] \
        && [[ "$families" == *AF_INET* ]] && [ -z "$deny" ] && [[ "$after" == *kafka.service* ]] && [ -z "$verify" ]
}
