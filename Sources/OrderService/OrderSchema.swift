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
    ])
}
