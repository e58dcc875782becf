#ifndef SAGA_SQLITE_SETUP_H
#define SAGA_SQLITE_SETUP_H

/// Puts the process's SQLite in multi-thread mode without memory statistics; see
/// sqlite_setup.c. Returns SQLite's result code (SQLITE_MISUSE once SQLite is initialized).
int saga_sqlite_setup(void);

/// Whether connections opened from now on have no mutex of their own and SQLite keeps no
/// memory statistics: what saga_sqlite_setup asks for.
int saga_sqlite_is_set_up(void);

#endif
