import CSQLiteSetup
import Foundation
import GRDB

/// Opens a service's own SQLite database in WAL mode and applies its migrations, one named
/// step each, before anything else touches it.
public enum ServiceDatabase {
    /// SQLite's process-wide setup (see `CSQLiteSetup`): multi-thread mode, no memory statistics.
    /// It only takes before SQLite's first connection in the process; `sagad` and the benchmarks
    /// make it first thing, and every `open` asks again (a no-op once anything opened).
    /// Returns whether SQLite runs that way.
    @discardableResult
    public static func setUpSQLite() -> Bool {
        _ = sqliteSetup
        return saga_sqlite_is_set_up() != 0
    }

    private static let sqliteSetup: Int32 = saga_sqlite_setup()

    public static func open(path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        _ = sqliteSetup
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // Each connection caches up to 2 MB of pages by default and fills it as the database
        // grows: three databases with a writer and five readers each kept adding to RSS for the
        // first ~500k orders. Two readers (a service's reads are short) and 1 MB each bound it.
        configuration.maximumReaderCount = 2
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -1024")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Each write of a group commit runs in a savepoint, and past 64 KiB SQLite spilled
            // the savepoints' journal to a temporary file: a file created per commit, and a third
            // of the daemon's pwrites (a 4-byte page number and a 4 KiB page for every page
            // a commit touched). In memory it holds only the pages of one commit.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Again on the writer, after the pool is open: GRDB switches WAL mode on after
        // `prepareDatabase` and sets `synchronous = NORMAL` with it, under which a commit reaches
        // the disk only at the next checkpoint — a power loss could take back an order already
        // acknowledged. FULL syncs the WAL at every commit (which `GroupCommit` shares).
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try migrator.migrate(pool)
        return pool
    }
}

/// Current time as milliseconds since the epoch, the unit every table stores.
public func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
