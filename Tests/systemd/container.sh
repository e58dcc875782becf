#!/bin/bash
# Boots a real systemd as PID 1 in fresh pid/mount/uts/ipc/net/cgroup namespaces, over a
# throw-away overlay of the host root (a hand-made `systemd-nspawn --volatile=overlay -D /`).
# The recipe and its traps are recorded in the project notes (notes/systemd-in-ci.md).
#
#   container.sh boot WORKDIR   on the host: joins a fresh cgroup, then unshare → `init`; blocks
#                               until the container powers off
#   container.sh init WORKDIR   PID 1 of the new pid namespace: builds the root, installs
#                               WORKDIR/payload, pivot_roots and execs systemd
#
# WORKDIR/stage holds what `make install DESTDIR=WORKDIR/stage PREFIX=/usr` installed (run.sh
# runs it); WORKDIR/payload/dropin.conf is an optional sagad.service drop-in (for trials).
# WORKDIR/cgroup names the cgroup to use; WORKDIR/repository the repository to bind in.
set -euo pipefail
mode=${1:?usage: container.sh boot|init WORKDIR}
W=${2:?usage: container.sh boot|init WORKDIR}
HERE=$(cd "$(dirname "$0")" && pwd)

boot() {
    # The cgroup namespace is rooted at the cgroup we are in when unshare runs, so move into a
    # fresh one first; systemd then builds its tree below it instead of at the host's root.
    local cg
    cg=$(cat "$W/cgroup")
    mkdir -p "$cg"
    echo $$ > "$cg/cgroup.procs"
    exec unshare --pid --fork --mount --uts --ipc --net --cgroup --propagation private \
        "$HERE/container.sh" init "$W"
}

init() {
    local R=$W/root O=$W/ovl
    mkdir -p "$R" "$O"
    # All writes land in tmpfs and vanish with the mount namespace.
    mount -t tmpfs -o mode=755 tmpfs "$O"
    mkdir -p "$O/upper" "$O/work"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$O/upper,workdir=$O/work" "$R"

    # /proc and /sys: the kernel tunables stay read-only so the container's systemd-sysctl
    # cannot change the host.
    mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
    mount --bind "$R/proc/sys" "$R/proc/sys"
    mount -o remount,bind,ro "$R/proc/sys"
    mount --bind /dev/null "$R/proc/sysrq-trigger" 2>/dev/null || true
    mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
    # A cgroup2 tree of our own (the cgroup namespace makes it our subtree): without it systemd
    # mounts the host's hierarchies and creates cgroups at their root.
    mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"

    # A minimal /dev. /dev/console is a plain file bound to a log (console-getty is masked below).
    mount -t tmpfs -o mode=755,nosuid,size=16m tmpfs "$R/dev"
    local d
    for d in null zero full random urandom tty; do
        touch "$R/dev/$d"
        mount --bind "/dev/$d" "$R/dev/$d"
    done
    mkdir -p "$R/dev/pts" "$R/dev/shm" "$R/dev/mqueue"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
    ln -s pts/ptmx "$R/dev/ptmx"
    mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
    ln -s /proc/self/fd "$R/dev/fd"
    ln -s /proc/self/fd/0 "$R/dev/stdin"
    ln -s /proc/self/fd/1 "$R/dev/stdout"
    ln -s /proc/self/fd/2 "$R/dev/stderr"
    : > "$W/console.log"
    touch "$R/dev/console"
    mount --bind "$W/console.log" "$R/dev/console"

    # Private /run and /tmp: the host's tmpfiles rules and sockets stay untouched.
    mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"
    # The repository at its own path, wherever it lies (CI clones it anywhere, /tmp included,
    # and the overlay shows only the root filesystem): checks run its Makefile in here.
    if [ -s "$W/repository" ]; then
        local repo
        repo=$(cat "$W/repository")
        mkdir -p "$R$repo"
        mount --bind "$repo" "$R$repo"
    fi

    install_stage "$R"

    echo sagad-systemd-test > "$R/etc/hostname"
    cd "$R"
    mkdir -p .oldroot
    pivot_root . .oldroot
    cd /
    umount -l /.oldroot
    rmdir /.oldroot
    exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        container=sagad-systemd-test TERM=dumb \
        /lib/systemd/systemd --system --unit=sagad-test.target
}

# Copies the `make install` stage into the overlay, as a package would land, and does what the
# Makefile leaves to the live system: the sagad user, and enabling only the sockets (so the
# first connection starts sagad). A boot target brings up the basics but none of the host's
# services.
install_stage() {
    local R=$1 E=$1/etc/systemd/system
    cp -a "$W/stage/." "$R/"
    systemd-sysusers --root="$R" "$R/usr/lib/sysusers.d/sagad.conf"
    systemctl --root="$R" --quiet enable sagad.socket sagad-grpc.socket
    if [ -f "$W/payload/dropin.conf" ]; then
        install -D -m 0644 "$W/payload/dropin.conf" "$E/sagad.service.d/test.conf"
    fi
    cat > "$E/sagad-test.target" <<'EOF'
[Unit]
Description=sagad systemd test target
Requires=basic.target
After=basic.target
AllowIsolate=yes
EOF
    # The host's own daemons and timers must not start against its data (and take time).
    local unit
    for unit in "$E"/timers.target.wants/*.timer; do
        [ -e "$unit" ] && ln -sf /dev/null "$E/$(basename "$unit")"
    done
    for unit in postgresql.service redis-server.service nats-server.service e2scrub_reap.service \
        getty@tty1.service console-getty.service systemd-timesyncd.service systemd-pstore.service \
        apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer \
        man-db.timer logrotate.timer; do
        ln -sf /dev/null "$E/$unit"
    done
}

case $mode in
    boot) boot ;;
    init) init ;;
    *) echo "container.sh: unknown mode '$mode'" >&2; exit 64 ;;
esac
