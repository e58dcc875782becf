import Foundation
import GRDB

/// The transactional outbox: a service writes its state change and the events it causes in
/// one SQLite transaction; `OutboxRelay` later appends the rows to the log and deletes them.
public enum Outbox {
    /// The migration step that creates the `outbox` table.
    public static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("create outbox") { db in
            try db.execute(sql: """
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL UNIQUE,
                    topic TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    created_at INTEGER NOT NULL)
                """)
        }
    }

    /// The migration step that adds the record key, so that the relay appends the stored
    /// payload as it is (rows from before it have none: the relay decodes those).
    public static func registerRecordKeyMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("outbox record key") { db in
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN record_key TEXT")
        }
    }

    /// Queues `event` inside the caller's transaction, encoded once: the payload is the log
    /// record's value, which the relay appends without decoding it.
    public static func enqueue(_ event: SagaEvent, in db: Database) throws {
        try db.executeCached(
            "INSERT INTO outbox (event_id, topic, record_key, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [event.id, event.type.topic, event.orderID, try EventCodec.value(for: event), nowMillis()])
    }

    /// Rows waiting to be relayed.
    public static func backlog(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
    }
}

/// The inbox: the ids of events a consumer has applied, recorded in the same transaction as
/// the effect, so a redelivered event has no second effect.
public enum Inbox {
    public static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("create inbox") { db in
            try db.execute(sql: """
                CREATE TABLE inbox (
                    event_id TEXT PRIMARY KEY,
                    topic TEXT NOT NULL,
                    processed_at INTEGER NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX inbox_processed_at ON inbox(processed_at)")
        }
    }

    /// Records `event` as applied; returns false when it already was (skip the effect).
    public static func markProcessed(_ event: SagaEvent, in db: Database) throws -> Bool {
        try db.executeCached(
            "INSERT OR IGNORE INTO inbox (event_id, topic, processed_at) VALUES (?, ?, ?)",
            arguments: [event.id, event.type.topic, nowMillis()])
        return db.changesCount > 0
    }

    /// Forgets ids older than `horizonMillis`: redeliveries never arrive that late.
    public static func purge(olderThan horizonMillis: Int64, in db: Database) throws {
        try db.execute(sql: "DELETE FROM inbox WHERE processed_at < ?", arguments: [nowMillis() - horizonMillis])
    }
}
