# The deployment checks: the real Makefile's install and uninstall recipes, run on the host into
# a DESTDIR stage with PREFIX=/usr (not the default /usr/local); the container boots with that
# stage. Sourced by run.sh, which provides ROOT, W, BIN, CONFIGURATION, ns and prop (checks.sh).
# Each check returns 0 or 1 and leaves a short explanation in DETAIL.

STAGE_PREFIX=/usr

# The real `make install|uninstall` into $W/stage; its output goes to $W/make-$1.log.
make_stage() {
    local target=$1
    timeout 300 make --no-print-directory -C "$ROOT" "$target" DESTDIR="$W/stage" PREFIX="$STAGE_PREFIX" \
        CONFIGURATION="$CONFIGURATION" PREBUILT=yes > "$W/make-$target.log" 2>&1
}

# Files `make install` must have put into the stage (the config is checked apart).
STAGED_FILES=(
    usr/bin/sagad usr/bin/sagactl usr/lib/systemd/system/sagad.service usr/lib/systemd/system/sagad.socket
    usr/lib/systemd/system/sagad-grpc.socket usr/lib/sysusers.d/sagad.conf usr/share/bash-completion/completions/sagactl
    usr/share/zsh/site-functions/_sagactl usr/share/fish/vendor_completions.d/sagactl.fish
)

# The first problem with the staged files (or nothing): present, the units naming PREFIX's
# binary and SYSCONFDIR's config, the config naming systemd's state and socket directories.
staged_problem() {
    local f unit=$W/stage/usr/lib/systemd/system/sagad.service config=$W/stage/etc/sagad/sagad.yaml
    for f in "${STAGED_FILES[@]}" etc/sagad/sagad.yaml; do
        [ -f "$W/stage/$f" ] || { echo "missing $f"; return; }
    done
    cmp -s "$BIN" "$W/stage/usr/bin/sagad" || { echo "usr/bin/sagad is not the tested build $BIN"; return; }
    grep -qx 'ExecStart=/usr/bin/sagad --config /etc/sagad/sagad.yaml' "$unit" \
        || { echo "sagad.service: $(grep '^ExecStart=' "$unit")"; return; }
    grep -q /usr/local "$W"/stage/usr/lib/systemd/system/sagad.* && { echo "a unit still names /usr/local"; return; }
    grep -qx 'state_dir: /var/lib/sagad' "$config" || { echo "config: $(grep '^state_dir:' "$config")"; return; }
    # The socket key of the control: section, not any other "socket:".
    local socket
    socket=$(awk '/^control:/ { c = 1; next } /^[^ #]/ { c = 0 } c && /^  socket:/ { print $2 }' "$config")
    [ "$socket" = /run/sagad/sagad.sock ] || { echo "config: control.socket is '$socket'"; return; }
}

check_make_install_stages_the_system_paths() {
    if ! make_stage install; then
        DETAIL="make install failed: $(tail -n 3 "$W/make-install.log" | paste -sd'|')"
        return 1
    fi
    local problem
    problem=$(staged_problem)
    cp "$W/stage/etc/sagad/sagad.yaml" "$W/default-config.yaml" 2> /dev/null
    DETAIL="make install DESTDIR=stage PREFIX=$STAGE_PREFIX CONFIGURATION=$CONFIGURATION PREBUILT=yes"
    if [ -n "$problem" ]; then
        DETAIL+=": $problem"
        return 1
    fi
    # A staged install must not touch the running system.
    if grep -q 'next: systemctl' "$W/make-install.log"; then
        DETAIL+=": it ran the live-system steps for a DESTDIR stage"
        return 1
    fi
    DETAIL+=": units run /usr/bin/sagad --config /etc/sagad/sagad.yaml; state /var/lib/sagad, socket /run/sagad/sagad.sock"
}

# Inside the container: systemd loaded the staged units from PREFIX's unit directory, only
# the socket is enabled, and it listens where the config says.
check_installed_units_as_staged() {
    local fragment exec listen socket_enabled service_enabled service_state socket_state
    # (Debian's /lib is /usr/lib: systemd may name either.)
    fragment=$(ns readlink -f "$(prop FragmentPath)") exec=$(prop ExecStart) listen=$(prop Listen sagad.socket)
    socket_enabled=$(ns systemctl is-enabled sagad.socket 2>&1)
    service_enabled=$(ns systemctl is-enabled sagad.service 2>&1)
    socket_state=$(prop ActiveState sagad.socket) service_state=$(prop ActiveState)
    DETAIL="$fragment; sagad.socket $socket_enabled/$socket_state on '$listen'; sagad.service $service_enabled/$service_state"
    [ "$fragment" = /usr/lib/systemd/system/sagad.service ] && [[ "$exec" == *"path=/usr/bin/sagad ;"* ]] \
        && [[ "$exec" == *"argv[]=/usr/bin/sagad --config /etc/sagad/sagad.yaml ;"* ]] \
        && [ "$listen" = "/run/sagad/sagad.sock (Stream)" ] && [ "$socket_enabled" = enabled ] \
        && [ "$service_enabled" = disabled ] && [ "$socket_state" = active ] && [ "$service_state" = inactive ] \
        || { DETAIL+="; ExecStart $exec"; return 1; }
}

# The stage after boot (the container has its copy): an edited config survives a reinstall
# and an uninstall; an unedited one goes with the rest, leaving nothing behind.
check_reinstall_and_uninstall_keep_an_edited_config() {
    local config=$W/stage/etc/sagad/sagad.yaml
    sed -i 's/^\(  work_ms:\).*/\1 750/' "$config"
    printf '# edited by the operator\n' >> "$config"
    cp "$config" "$W/edited-config.yaml"
    if ! make_stage install; then
        DETAIL="reinstall failed: $(tail -n 3 "$W/make-install.log" | paste -sd'|')"
        return 1
    fi
    if ! cmp -s "$config" "$W/edited-config.yaml" || ! grep -q 'keeping the existing' "$W/make-install.log"; then
        DETAIL="reinstall replaced the edited config: $(grep -i 'sagad.yaml' "$W/make-install.log" | paste -sd'|')"
        return 1
    fi
    if ! make_stage uninstall; then
        DETAIL="uninstall failed: $(tail -n 3 "$W/make-uninstall.log" | paste -sd'|')"
        return 1
    fi
    local f left=
    for f in "${STAGED_FILES[@]}"; do [ -e "$W/stage/$f" ] && left+=" $f"; done
    if [ -n "$left" ] || ! cmp -s "$config" "$W/edited-config.yaml"; then
        DETAIL="after uninstall: left:${left:- nothing}; edited config $( [ -f "$config" ] && echo changed || echo removed)"
        return 1
    fi
    # Back to the default: now uninstall removes the config and its directory too.
    cp "$W/default-config.yaml" "$config"
    if ! make_stage uninstall; then
        DETAIL="second uninstall failed: $(tail -n 3 "$W/make-uninstall.log" | paste -sd'|')"
        return 1
    fi
    left=$(cd "$W/stage" && find . -type f | paste -sd' ')
    DETAIL="reinstall and uninstall kept the edited config; uninstall of the default one left ${left:-no files}"
    [ -z "$left" ] && [ ! -e "$W/stage/etc/sagad" ]
}

# Inside the container, as root on a running systemd (no DESTDIR), with the default PREFIX:
# `make install` also runs systemd-sysusers and daemon-reload, so the /usr/local units take over
# at once; `make uninstall` stops and disables sagad and reloads systemd again. Runs last.
check_live_install_and_uninstall() {
    local out fragment exec
    if ! out=$(ns_t 120 make --no-print-directory -C "$ROOT" install CONFIGURATION="$CONFIGURATION" PREBUILT=yes 2>&1); then
        DETAIL="make install in the container failed: $(tail -n 3 <<<"$out" | paste -sd'|')"
        return 1
    fi
    fragment=$(ns readlink -f "$(prop FragmentPath)") exec=$(prop ExecStart)
    DETAIL="live make install: systemd now loads $fragment"
    if [ "$fragment" != /usr/local/lib/systemd/system/sagad.service ] || [[ "$exec" != *"path=/usr/local/bin/sagad ;"* ]] \
        || ! grep -q 'next: systemctl enable' <<<"$out" || ! grep -q 'keeping the existing' <<<"$out"; then
        DETAIL+=" ($exec); make said: $(grep -E 'next:|sagad.yaml' <<<"$out" | paste -sd'|')"
        return 1
    fi
    if ! out=$(ns_t 120 make --no-print-directory -C "$ROOT" uninstall CONFIGURATION="$CONFIGURATION" 2>&1); then
        DETAIL+="; make uninstall in the container failed: $(tail -n 3 <<<"$out" | paste -sd'|')"
        return 1
    fi
    # The checks before edited /etc/sagad/sagad.yaml: it stays, as does the /usr (stage) copy.
    local service socket enabled config
    service=$(prop ActiveState) socket=$(prop ActiveState sagad.socket)
    enabled=$(ns systemctl is-enabled sagad.socket 2>&1) fragment=$(ns readlink -f "$(prop FragmentPath)")
    config=$(ns test -f /etc/sagad/sagad.yaml && echo kept || echo removed)
    DETAIL+="; live make uninstall: sagad.service $service, sagad.socket $socket/$enabled, systemd loads $fragment,"
    DETAIL+=" edited config $config, /usr/local/bin/sagad $(ns test -e /usr/local/bin/sagad && echo left || echo removed)"
    [ "$service" = inactive ] && [ "$socket" = inactive ] && [ "$enabled" = disabled ] && [ "$config" = kept ] \
        && [ "$fragment" = /usr/lib/systemd/system/sagad.service ] && ! ns test -e /usr/local/bin/sagad
}
