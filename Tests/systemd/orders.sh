# The checks that put load on sagad while systemd starts, reloads, stops or restarts it: clients
# must all be answered (systemd holds the socket), in-flight orders must survive, and a reload's
# effect must show from outside. Sourced by run.sh after checks.sh (api, prop, wait_until, …).
# Each check returns 0 or 1 and leaves a short explanation in DETAIL.

CONFIG=/etc/sagad/sagad.yaml
ORDER_ID=       # an order placed (and finished) early on: what the background clients read
IN_FLIGHT=()    # orders placed under the reloaded limits, in flight when the stop comes

# Background clients: one `GET $1` every 0.1 s (at most 300) until clients_finish. Each answer
# lands in $W/clients/N.out, created when that client starts.
clients_start() {
    local path=$1
    rm -rf "$W/clients"
    mkdir -p "$W/clients"
    (
        n=0
        while [ ! -e "$W/clients/stop" ] && [ $n -lt 300 ]; do
            n=$((n + 1))
            api GET "$path" "" 30 > "$W/clients/$n.out" &
            sleep 0.1
        done
        wait
    ) &
    CLIENTS=$!
    BACKGROUND+=("$CLIENTS")
}

# How many clients have started so far.
clients_started() {
    local files=("$W"/clients/*.out)
    [ -e "${files[0]}" ] && echo "${#files[@]}" || echo 0
}

# Stops the clients and waits for every answer. CLIENTS_SUMMARY tells how many got 200 (and
# what the others got); returns 1 unless every one did.
clients_finish() {
    touch "$W/clients/stop"
    wait "$CLIENTS"
    local total=0 ok=0 f others=
    for f in "$W"/clients/*.out; do
        [ -e "$f" ] || continue
        total=$((total + 1))
        if [ "$(tail -n 1 "$f")" = 200 ]; then ok=$((ok + 1)); else others+="$(tr '\n' ' ' < "$f" | cut -c1-80)"$'\n'; fi
    done
    CLIENTS_SUMMARY="$ok/$total clients got 200"
    [ -n "$others" ] && CLIENTS_SUMMARY+=" (others: $(sort <<<"$others" | uniq -c | sed 's/^ *//' | paste -sd'|'))"
    [ "$total" -gt 0 ] && [ "$ok" = "$total" ]
}

# Places an order; prints "CODE ID" (ID empty unless 201).
place_order() {
    local reply code id=
    reply=$(api POST /v1/orders '{}')
    code=$(status_of "$reply")
    [ "$code" = 201 ] && id=$(body_of "$reply" | python3 "$HERE/jsontool.py" get id 2> /dev/null)
    echo "$code $id"
}

order_status() {
    body_of "$(api GET "/v1/orders/$1")" | python3 "$HERE/jsontool.py" get status 2> /dev/null
}

# True when every order named is in status $1.
all_in_status() {
    local want=$1 id
    shift
    for id in "$@"; do [ "$(order_status "$id")" = "$want" ] || return 1; done
}

# Waits (long poll) until each order settles; prints "id:status" per order.
settle_all() {
    local id
    for id in "$@"; do
        echo "$id:$(body_of "$(api GET "/v1/orders/$id?wait=terminal&timeout=20" "" 25)" \
            | python3 "$HERE/jsontool.py" get status 2>&1)"
    done
}

# sagad's journal lines since a cursor (message text only).
journal_since() {
    ns journalctl -q --no-pager -o cat -u "$UNIT" --after-cursor "$1" 2> /dev/null
}

# A request that is not HTTP: Hummingbird answers 400 and logs a debug line about it.
send_garbage() {
    ns_t 10 python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"NOT HTTP AT ALL\r\n\r\n"); s.recv(100)' "$SOCK" > /dev/null 2>&1
}

# sagad's debug lines (PRIORITY=7) since a cursor. (journalctl -p together with -u matched
# nothing here: filter the JSON instead.)
debug_lines_since() {
    ns journalctl -q --no-pager -o json -u "$UNIT" --after-cursor "$1" 2> /dev/null | grep -c '"PRIORITY":"7"'
}

check_start_blocks_until_ready_clients_answered() {
    local err
    if ! err=$(ns_t 60 systemctl stop "$UNIT" 2>&1) || [ "$(prop ActiveState)" != inactive ]; then
        DETAIL="could not stop sagad first: $err $(prop ActiveState)"
        return 1
    fi
    [ -n "$ORDER_ID" ] || { DETAIL="no order from order_finishes to read"; return 1; }
    # Clients keep connecting while sagad is down and starting; each must read the order.
    clients_start "/v1/orders/$ORDER_ID"
    local started=$EPOCHREALTIME state sub status during
    if ! err=$(ns_t 90 systemctl start "$UNIT" 2>&1); then
        clients_finish
        DETAIL="systemctl start failed: $err; $(prop ActiveState)/$(prop Result)"
        show_journal
        return 1
    fi
    # Read right after `start` returned: Type=notify must have waited for READY=1, so the
    # unit is already active, not still activating.
    # The STATUS= sagad sends with READY=1 (or its periodic one after), never the recovery one.
    state=$(prop ActiveState) sub=$(prop SubState) status=$(prop StatusText)
    during=$(clients_started)
    local took type
    took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    type=$(prop Type)
    clients_finish
    local answered=$?
    DETAIL="start returned after ${took}s as Type=$type $state/$sub, status '${status:0:40}';"
    DETAIL+=" $during clients connected while sagad was down or starting; $CLIENTS_SUMMARY"
    [ "$type" = notify ] && [ "$state" = active ] && [ "$sub" = running ] && [ "$during" -ge 1 ] && [ $answered = 0 ] \
        && [[ "$status" == "serving on"* || "$status" == *"orders in flight"* ]]
}

check_reload_applies_limits_and_log_level() {
    local pid cursor
    pid=$(prop MainPID)
    # Before the reload (level info), a malformed request leaves no debug line.
    cursor=$(journal_cursor)
    send_garbage
    if [ "$(debug_lines_since "$cursor")" != 0 ]; then
        DETAIL="debug lines in the journal before the reload to level debug"
        return 1
    fi
    ns cp "$CONFIG" "$CONFIG.orig"
    ns sed -i -e '/^logging:/,/^[^ #]/ s/^\(  level:\).*/\1 debug/' \
        -e '/^order:/,/^[^ #]/ s/^\(  max_in_flight:\).*/\1 3/' \
        -e '/^fulfillment:/,/^[^ #]/ s/^\(  work_ms:\).*/\1 5000/' "$CONFIG"
    if [ "$(ns grep -cE '^  (level: debug|max_in_flight: 3|work_ms: 5000)$' "$CONFIG")" != 3 ]; then
        DETAIL="could not edit $CONFIG"
        return 1
    fi
    cursor=$(journal_cursor)
    clients_start "/v1/orders/$ORDER_ID"
    local err
    if ! err=$(ns_t 30 systemctl reload "$UNIT" 2>&1); then
        clients_finish
        DETAIL="systemctl reload failed: $err"
        show_journal
        return 1
    fi
    reloaded() { journal_since "$cursor" | grep -q 'configuration reloaded'; }
    wait_until 10 reloaded
    local at_reload
    at_reload=$(clients_started)
    more_clients() { [ "$(clients_started)" -ge $((at_reload + 3)) ]; }
    wait_until 5 more_clients
    clients_finish
    local answered=$? codes= reply id
    DETAIL="during the reload $CLIENTS_SUMMARY;"
    # The effect, from outside: three orders (5 s of work each) fill the new limit of 3, the
    # fourth is refused; a malformed request now leaves a debug line.
    IN_FLIGHT=()
    for _ in 1 2 3 4; do
        read -r reply id < <(place_order)
        codes+="$reply "
        [ -n "$id" ] && IN_FLIGHT+=("$id")
    done
    cursor=$(journal_cursor)
    send_garbage
    debug_seen() { [ "$(debug_lines_since "$cursor")" -ge 1 ]; }
    local debug=0
    wait_until 5 debug_seen && debug=1
    DETAIL+=" then 4 orders -> ${codes% } (limit 3); debug line after a bad request: $debug;"
    DETAIL+=" MainPID $pid -> $(prop MainPID)"
    [ $answered = 0 ] && [ "${codes% }" = "201 201 201 503" ] && [ $debug = 1 ] && [ "$(prop MainPID)" = "$pid" ]
}

check_stop_drains_in_flight_orders() {
    in_flight() { all_in_status processing "${IN_FLIGHT[@]}"; }
    if [ "${#IN_FLIGHT[@]}" != 3 ] || ! wait_until 3 in_flight; then
        DETAIL="nothing in flight to stop with: ${IN_FLIGHT[*]:-no orders} ($(for id in "${IN_FLIGHT[@]}"; do order_status "$id"; done | paste -sd' '))"
        return 1
    fi
    local cursor err
    cursor=$(journal_cursor)
    if ! err=$(ns_t 60 systemctl stop "$UNIT" 2>&1); then
        DETAIL="systemctl stop failed: $err"
        return 1
    fi
    local state result code status lines
    state=$(prop ActiveState) result=$(prop Result) code=$(prop ExecMainCode) status=$(prop ExecMainStatus)
    lines=$(journal_since "$cursor")
    DETAIL="stop with 3 orders processing: $state, Result=$result, ExecMainCode=$code ExecMainStatus=$status;"
    # ExecMainCode 1 is CLD_EXITED: sagad exited by itself instead of being killed.
    [ "$state" = inactive ] && [ "$result" = success ] && [ "$code" = 1 ] && [ "$status" = 0 ] || return 1
    grep -q 'shutting down: draining in-flight work' <<<"$lines" && grep -q 'log closed cleanly' <<<"$lines" || {
        DETAIL+=" no drain / clean close in the journal"
        return 1
    }
    # Kept, not lost or failed: after a start they resume and finish.
    if ! err=$(ns_t 90 systemctl start "$UNIT" 2>&1); then
        DETAIL+=" start again failed: $err"
        return 1
    fi
    local settled resumed
    settled=$(settle_all "${IN_FLIGHT[@]}" | paste -sd' ')
    resumed=$(journal_since "$cursor" | grep -o 'resuming pending fulfillments.*' | head -n 1)
    DETAIL+=" after a start: ${resumed:-no resume logged}; settled: $settled"
    [ "$(grep -o ':finished' <<<"${settled// /$'\n'}" | wc -l)" = 3 ] && [[ "$resumed" == *"count=3"* ]]
}

check_restart_resumes_in_flight_orders() {
    local ids=() reply id
    for _ in 1 2 3; do
        read -r reply id < <(place_order)
        [ -n "$id" ] && ids+=("$id")
    done
    processing() { all_in_status processing "${ids[@]}"; }
    if [ "${#ids[@]}" != 3 ] || ! wait_until 5 processing; then
        DETAIL="could not put 3 orders in flight: ${ids[*]:-none placed}"
        return 1
    fi
    local pid restarts cursor
    pid=$(prop MainPID) restarts=$(prop NRestarts) cursor=$(journal_cursor)
    # A crash with work in flight; Restart=on-failure brings sagad back on the same socket.
    # Clients start after the kill (one mid-request at the kill would lose its connection).
    ns systemctl kill -s KILL "$UNIT"
    clients_start "/v1/orders/${ids[0]}"
    back() {
        local now
        now=$(prop MainPID)
        [ -n "$now" ] && [ "$now" != 0 ] && [ "$now" != "$pid" ] && [ "$(prop ActiveState)" = active ]
    }
    local ok=0
    wait_until 30 back && ok=1
    clients_finish
    local answered=$?
    if [ $ok = 0 ]; then
        DETAIL="sagad did not come back within 30 s: $(prop ActiveState)/$(prop SubState)"
        show_journal
        return 1
    fi
    local settled resumed
    settled=$(settle_all "${ids[@]}" | paste -sd' ')
    resumed=$(journal_since "$cursor" | grep -o 'resuming pending fulfillments.*' | head -n 1)
    DETAIL="kill -9 with 3 orders processing: pid $pid -> $(prop MainPID), NRestarts $restarts -> $(prop NRestarts);"
    DETAIL+=" ${resumed:-no resume logged}; settled: $settled; during the restart $CLIENTS_SUMMARY"
    # (How many resume depends on whether fulfillment had taken each before the kill; all settle.)
    [ "$(grep -o ':finished' <<<"${settled// /$'\n'}" | wc -l)" = 3 ] && [ $answered = 0 ]
}
