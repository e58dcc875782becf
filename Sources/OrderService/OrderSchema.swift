import SagaMessaging

extension ServiceSchema {
    /// orders.sqlite: orders, their status history and idempotency keys, one named migration
    /// per schema step, then the outbox and inbox.
    static let orders = ServiceSchema([
        .sql("create orders", [
            """
            CREATE TABLE orders (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
                status TEXT NOT NULL CHECK (status IN ('created','processing','finished','failed','refunded','canceled')),
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL)
            """,
            "CREATE INDEX orders_status ON orders(status, id)",
        ]),
        .sql("create order_status_history", [
            """
            CREATE TABLE order_status_history (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                order_id TEXT NOT NULL REFERENCES orders(id),
                status TEXT NOT NULL,
                at INTEGER NOT NULL,
                reason TEXT)
            """,
            "CREATE INDEX order_status_history_order ON order_status_history(order_id, seq)",
        ]),
        .sql("create idempotency_keys", [
            """
            CREATE TABLE idempotency_keys (
                key TEXT PRIMARY KEY,
                order_id TEXT NOT NULL REFERENCES orders(id),
                fingerprint TEXT NOT NULL,
                created_at INTEGER NOT NULL)
            """,
        ]),
        .messaging,
        // The W3C trace context the order was placed in (given with the request or started here).
        .sql("orders traceparent", ["ALTER TABLE orders ADD COLUMN traceparent TEXT"]),
        // How many orders are in flight (created or processing), kept by triggers in the same
        // statements that change an order's status, for `max_in_flight`: counting them at
        // every placement read one index entry per order in flight.
        .sql("count orders in flight", [
            "CREATE TABLE order_counts (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
            """
            INSERT INTO order_counts (name, value)
            SELECT 'in_flight', COUNT(*) FROM orders WHERE status IN ('created', 'processing')
            """,
            """
            CREATE TRIGGER orders_in_flight_insert AFTER INSERT ON orders
            WHEN NEW.status IN ('created', 'processing')
            BEGIN UPDATE order_counts SET value = value + 1 WHERE name = 'in_flight'; END
            """,
            """
            CREATE TRIGGER orders_in_flight_update AFTER UPDATE OF status ON orders
            WHEN (OLD.status IN ('created', 'processing')) <> (NEW.status IN ('created', 'processing'))
            BEGIN
                UPDATE order_counts SET value = value + (CASE WHEN NEW.status IN ('created', 'processing') THEN 1 ELSE -1 END)
                WHERE name = 'in_flight';
            END
            """,
            """
            CREATE TRIGGER orders_in_flight_delete AFTER DELETE ON orders
            WHEN OLD.status IN ('created', 'processing')
            BEGIN UPDATE order_counts SET value = value - 1 WHERE name = 'in_flight'; END
            """,
        ]),
        // On PostgreSQL, every history entry (each change of an order's view) notifies every
        // sagad instance sharing the database, for the long polls waiting on the order there.
        // One process owns a SQLite database and tells its own waiters after each commit:
        // nothing to add here, but the step keeps the two stores' migrations the same.
        .sql("announce order changes", []),
        // On PostgreSQL, new outbox rows wake the relay of whichever instance holds it (see
        // PostgresOutboxRelay); SQLite's relay is woken in-process. Kept for equal migrations.
        .sql(ServiceSchema.announceOutboxRows, []),
    ])
}
