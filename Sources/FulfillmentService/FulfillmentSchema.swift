import GRDB
import SagaMessaging

/// fulfillment.sqlite: one named migration per schema step.
enum FulfillmentSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("create fulfillments") { db in
            try db.execute(sql: """
                CREATE TABLE fulfillments (
                    id TEXT PRIMARY KEY,
                    order_id TEXT NOT NULL UNIQUE,
                    status TEXT NOT NULL CHECK (status IN ('pending','successful','failed')),
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX fulfillments_status ON fulfillments(status)")
        }
        migrator.registerMigration("create notifications") { db in
            try db.execute(sql: """
                CREATE TABLE notifications (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    order_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    message TEXT NOT NULL,
                    at INTEGER NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX notifications_order ON notifications(order_id)")
        }
        Outbox.registerMigration(in: &migrator)
        Inbox.registerMigration(in: &migrator)
        return migrator
    }
}
