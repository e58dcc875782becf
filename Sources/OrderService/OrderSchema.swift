import GRDB
import SagaMessaging

/// orders.sqlite: one named migration per schema step.
enum OrderSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("create orders") { db in
            try db.execute(sql: """
                CREATE TABLE orders (
                    id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
                    status TEXT NOT NULL CHECK (status IN ('created','processing','finished','failed','refunded','canceled')),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX orders_status ON orders(status, id)")
        }
        migrator.registerMigration("create order_status_history") { db in
            try db.execute(sql: """
                CREATE TABLE order_status_history (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    order_id TEXT NOT NULL REFERENCES orders(id),
                    status TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    reason TEXT)
                """)
            try db.execute(sql: "CREATE INDEX order_status_history_order ON order_status_history(order_id, seq)")
        }
        migrator.registerMigration("create idempotency_keys") { db in
            try db.execute(sql: """
                CREATE TABLE idempotency_keys (
                    key TEXT PRIMARY KEY,
                    order_id TEXT NOT NULL REFERENCES orders(id),
                    fingerprint TEXT NOT NULL,
                    created_at INTEGER NOT NULL)
                """)
        }
        Outbox.registerMigration(in: &migrator)
        Inbox.registerMigration(in: &migrator)
        return migrator
    }
}
