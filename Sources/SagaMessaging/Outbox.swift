import Foundation
import GRDB
import MessageLog

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

    /// The migration step that adds the event's trace context, which the relay sends as the
    /// record's `traceparent` header (rows from before it have none).
    public static func registerTraceMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("outbox traceparent") { db in
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN traceparent TEXT")
        }
    }

    /// Queues `event` inside the caller's transaction, encoded once: the payload is the log
    /// record's value, which the relay appends without decoding it. The same statement on
    /// SQLite and PostgreSQL (whose outbox numbers rows with BIGSERIAL).
    @inlinable
    public static func enqueue<Session: SQLSession>(_ event: SagaEvent, in db: Session) throws {
        let payload = EventCodec.value(for: event)
        try db.run(
            "INSERT INTO outbox (event_id, topic, record_key, payload, created_at, traceparent) VALUES (?, ?, ?, ?, ?, ?)"
        ) {
            $0.bind(event.id)
            $0.bind(event.type.topic)
            $0.bind(event.orderID)
            $0.bind(payload)
            $0.bind(nowMillis())
            $0.bind(event.trace?.header)
        }
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

    /// The migration step that makes the inbox an order's timeline: which order an event was
    /// about, where it was read (partition, offset), when it was created, and its trace context,
    /// all in the row the consumer writes anyway, found by order through an index.
    public static func registerTimelineMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("inbox timeline") { db in
            for column in ["order_id TEXT", "log_partition INTEGER", "log_offset INTEGER", "occurred_at INTEGER", "traceparent TEXT"] {
                try db.execute(sql: "ALTER TABLE inbox ADD COLUMN \(column)")
            }
            try db.execute(sql: "CREATE INDEX inbox_order ON inbox(order_id) WHERE order_id IS NOT NULL")
        }
    }

    /// Records `event`, read from `record`, as applied; returns false when it already was
    /// (skip the effect).
    @inlinable
    public static func markProcessed<Session: SQLSession>(_ event: SagaEvent, from record: LogRecord, in db: Session) throws -> Bool {
        try db.run(
            """
            INSERT OR IGNORE INTO inbox (event_id, topic, processed_at, order_id, log_partition, log_offset, occurred_at, traceparent)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        ) {
            $0.bind(event.id)
            $0.bind(event.type.topic)
            $0.bind(nowMillis())
            $0.bind(event.orderID)
            $0.bind(record.partition)
            $0.bind(record.offset)
            $0.bind(event.occurredAtMillis)
            $0.bind(event.trace?.header)
        }
        return db.changesCount > 0
    }

    /// The events about `orderID` this inbox recorded (those before the timeline migration
    /// and those purged after `EventConsumer`'s horizon are not among them).
    public static func handledEvents<Session: SQLSession>(orderID: String, in db: Session) throws -> [HandledEvent] {
        try db.allRows(
            """
            SELECT event_id, topic, log_partition, log_offset, occurred_at, processed_at, traceparent
            FROM inbox WHERE order_id = ? ORDER BY occurred_at, processed_at
            """,
            bind: { $0.bind(orderID) },
            read: { columns in
                HandledEvent(
                    eventID: try columns.text(0), topic: try columns.text(1), partition: columns.int(2), offset: columns.int64(3),
                    occurredAtMillis: columns.int64(4), handledAtMillis: columns.int64(5), traceparent: columns.optionalText(6))
            })
    }

    /// Forgets ids older than `horizonMillis`: redeliveries never arrive that late.
    public static func purge<Session: SQLSession>(olderThan horizonMillis: Int64, in db: Session) throws {
        try db.run("DELETE FROM inbox WHERE processed_at < ?") { $0.bind(nowMillis() - horizonMillis) }
    }
}

/// One event a service applied, as its inbox recorded it: a step of an order's timeline.
public struct HandledEvent: Sendable, Equatable {
    public var eventID: String
    public var topic: String
    public var partition: Int
    public var offset: Int64
    /// When the producer created the event (milliseconds since the epoch).
    public var occurredAtMillis: Int64
    /// When this service applied it.
    public var handledAtMillis: Int64
    /// The event's `traceparent` header, when it had one.
    public var traceparent: String?
}
