import GRDB
import SagaMessaging

/// checkout.sqlite: one named migration per schema step.
enum CheckoutSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("create accounts") { db in
            try db.execute(sql: """
                CREATE TABLE accounts (
                    id TEXT PRIMARY KEY,
                    balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0))
                """)
            // Every cent that enters an account, opening balances included: the money invariant's base.
            try db.execute(sql: """
                CREATE TABLE deposits (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    account_id TEXT NOT NULL REFERENCES accounts(id),
                    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
                    at INTEGER NOT NULL)
                """)
        }
        migrator.registerMigration("create checkouts") { db in
            try db.execute(sql: """
                CREATE TABLE checkouts (
                    id TEXT PRIMARY KEY,
                    order_id TEXT NOT NULL UNIQUE,
                    account_id TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending','successful','failed','refunded')),
                    amount_cents INTEGER NOT NULL,
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL)
                """)
        }
        migrator.registerMigration("create cancel_tombstones") { db in
            try db.execute(sql: "CREATE TABLE cancel_tombstones (order_id TEXT PRIMARY KEY, at INTEGER NOT NULL)")
        }
        Outbox.registerMigration(in: &migrator)
        Inbox.registerMigration(in: &migrator)
        return migrator
    }
}
