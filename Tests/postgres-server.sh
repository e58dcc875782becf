#!/bin/bash
# Usage: Tests/postgres-server.sh start DIR PORT [SECONDS] | stop DIR | install
#
# A private PostgreSQL server for the tests (Debian's postgresql, 15 here): `start` runs initdb
# into DIR/data, starts the server with pg_ctl on 127.0.0.1:PORT only (its unix socket in DIR,
# fsync on), waits until it accepts connections and creates the database `sagad`, owned by
# user `sagad` with password `sagad` (loopback only, scram-sha-256). The URL is written to
# DIR/url: postgres://sagad:sagad@127.0.0.1:PORT/sagad?sslmode=disable. A watchdog stops the
# server after SECONDS (default 600) whatever happens to the caller. `stop` stops it and removes
# DIR. As root (CI) the server runs as the `postgres` user, since initdb refuses root.
# `install` only installs; it exits 2 when the package cannot be installed.
# Prints nothing but errors.
set -euo pipefail

bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install() {
    bindir > /dev/null && return 0
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql; } > /dev/null; then
        echo "cannot install the apt package postgresql (no network or no apt?)" >&2
        exit 2
    fi
    bindir > /dev/null || { echo "postgresql installed, but no initdb under /usr/lib/postgresql/*/bin" >&2; exit 2; }
}

# Runs a command as the server's owner: `postgres` as root, else the caller.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
install) install ;;
start)
    dir=$2 port=$3 seconds=${4:-600}
    install
    bin=$(bindir)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    echo sagad > "$dir/password"
    as_owner "$bin/initdb" --pgdata="$dir/data" --username=sagad --pwfile="$dir/password" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 \
        || { echo "initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=100" start > /dev/null \
        || { echo "the PostgreSQL server did not start:" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
    # The watchdog: a session of its own, so `stop` can end it; it stops the server at the limit.
    setsid bash -c "sleep $seconds; $(declare -f as_owner); as_owner '$bin/pg_ctl' --pgdata='$dir/data' -m immediate stop" \
        > /dev/null 2>&1 < /dev/null &
    echo $! > "$dir/watchdog.pid"
    for _ in $(seq 1 100); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
        sleep 0.1
    done
    PGPASSWORD=sagad "$bin/psql" -q -h 127.0.0.1 -p "$port" -U sagad -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE sagad" > /dev/null \
        || { echo "could not create the database on 127.0.0.1:$port:" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
    echo "postgres://sagad:sagad@127.0.0.1:$port/sagad?sslmode=disable" > "$dir/url"
    ;;
stop)
    dir=$2
    if [ -f "$dir/watchdog.pid" ]; then kill -TERM -- "-$(cat "$dir/watchdog.pid")" 2> /dev/null || true; fi
    if [ -f "$dir/data/postmaster.pid" ] && bin=$(bindir); then
        as_owner "$bin/pg_ctl" --pgdata="$dir/data" -m fast --wait --timeout=20 stop > /dev/null 2>&1 \
            || as_owner "$bin/pg_ctl" --pgdata="$dir/data" -m immediate stop > /dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start DIR PORT [SECONDS] | stop DIR | install" >&2
    exit 64
    ;;
esac
