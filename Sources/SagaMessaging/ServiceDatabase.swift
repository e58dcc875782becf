import Foundation
import GRDB

/// Opens a service's own SQLite database in WAL mode and applies its migrations, one named
/// step each, before anything else touches it.
public enum ServiceDatabase {
    public static func open(path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }
}

/// Current time as milliseconds since the epoch, the unit every table stores.
public func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
