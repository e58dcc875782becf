#include <sqlite3.h>
#include "sqlite_setup.h"

// sqlite3_config is variadic, which Swift cannot call.
//
// Multi-thread mode drops the mutex SQLite takes in every call on a connection (its default,
// serialized mode, guards connections shared between threads; GRDB never shares one, it
// serializes each connection's use itself). Without memory statistics, SQLite's allocator no
// longer takes one process-wide mutex per allocation, which every service thread, checkpointer
// and reader contended for.
int saga_sqlite_setup(void) {
    int code = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (code != SQLITE_OK) return code;
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int saga_sqlite_is_set_up(void) {
    sqlite3 *db = 0;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0) != SQLITE_OK) {
        sqlite3_close(db);
        return 0;
    }
    int noMutex = sqlite3_db_mutex(db) == 0;
    sqlite3_int64 current = -1, highwater = -1;
    sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highwater, 0);
    sqlite3_close(db);
    // Without statistics the counter stays at zero, though the connection allocated memory.
    return noMutex && current == 0;
}
