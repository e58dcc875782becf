// The part of libsystemd sagad uses: sd_notify, sd_listen_fds_with_names, sd_is_socket,
// sd_watchdog_enabled. Found through pkg-config `libsystemd` (Debian: libsystemd-dev).
#ifndef SAGAD_CSYSTEMD_SHIM_H
#define SAGAD_CSYSTEMD_SHIM_H

#include <systemd/sd-daemon.h>

#endif
