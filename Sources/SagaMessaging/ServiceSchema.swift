import GRDB

/// A service database's schema as data: the service's own named migration steps, each a list
/// of SQL statements, with the outbox and inbox tables the host needs at the place the service
/// puts `.messaging` (their order is fixed once databases exist, so each service keeps its own).
public struct ServiceSchema: Sendable {
    /// One named migration step.
    public enum Step: Sendable {
        /// A migration named `name` that runs `statements` in order.
        case sql(_ name: String, _ statements: [String])
        /// The `outbox` and `inbox` migrations every hosted service needs (and the outbox's
        /// record key, the inbox's timeline columns and the outbox's trace context, added later).
        case messaging
    }

    public let steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    /// The migrator that applies every step not yet applied, in order.
    public var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for step in steps {
            switch step {
            case .sql(let name, let statements):
                migrator.registerMigration(name) { db in
                    for statement in statements { try db.execute(sql: statement) }
                }
            case .messaging:
                Outbox.registerMigration(in: &migrator)
                Inbox.registerMigration(in: &migrator)
                // Added later: databases that have the two above get it on their next start.
                Outbox.registerRecordKeyMigration(in: &migrator)
                Inbox.registerTimelineMigration(in: &migrator)
                Outbox.registerTraceMigration(in: &migrator)
            }
        }
        return migrator
    }
}

extension ServiceSchema {
    /// The name of the last step of every service's schema: on PostgreSQL, a trigger that wakes
    /// the outbox relay of whichever sagad instance holds it; nothing on SQLite, whose relay is
    /// woken in-process after each commit.
    public static let announceOutboxRows = "announce outbox rows"
}
