# Sourced by Tests/cluster-tests.sh and Tests/postgres-tests.sh: the part they share of running
# tests against a server of their own (the Kafka emulator, a private PostgreSQL).
#
# test_server_start LABEL SCRIPT WHAT: installs the server with `SCRIPT install` (its exit 2,
# "cannot be installed here", skips the run with exit 0), then starts it with
# `SCRIPT start DIR PORT 600` in a new temporary DIR on a free loopback PORT, and stops it with
# `SCRIPT stop DIR` when the caller ends, however it ends. Sets `dir` and `port`. Needs `say`
# (the caller's summary-line printer); LABEL starts every line it says, WHAT names the server.
test_server_start() {
    local label=$1 script=$2 what=$3
    "$script" install
    case $? in
    0) ;;
    2) say "$label: skipped, $what cannot be installed here"; exit 0 ;;
    *) say "$label: failed to install $what"; exit 1 ;;
    esac
    dir=$(mktemp -d "/tmp/sagad-$label.XXXXXX")
    # shellcheck disable=SC2064 # expanded now: the directory is known and fixed
    trap "'$script' stop '$dir'" EXIT
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$script" start "$dir" "$port" 600 || { say "$label: $what did not start"; exit 1; }
}
