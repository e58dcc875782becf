extension PostgresServiceSchema {
    /// The order service's tables in schema `orders`: the steps of OrderSchema.swift
    /// (`ServiceSchema.orders`), in PostgreSQL's dialect (BIGINT for INTEGER, BIGSERIAL for
    /// AUTOINCREMENT), with the outbox and inbox where that schema puts `.messaging`.
    public static let orders = PostgresServiceSchema(plain: "orders", steps: [
        Step("create orders", [
            """
            CREATE TABLE orders (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
                status TEXT NOT NULL CHECK (status IN ('created','processing','finished','failed','refunded','canceled')),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX orders_status ON orders(status, id)",
        ]),
        Step("create order_status_history", [
            """
            CREATE TABLE order_status_history (
                seq BIGSERIAL PRIMARY KEY,
                order_id TEXT NOT NULL REFERENCES orders(id),
                status TEXT NOT NULL,
                at BIGINT NOT NULL,
                reason TEXT)
            """,
            "CREATE INDEX order_status_history_order ON order_status_history(order_id, seq)",
        ]),
        Step("create idempotency_keys", [
            """
            CREATE TABLE idempotency_keys (
                key TEXT PRIMARY KEY,
                order_id TEXT NOT NULL REFERENCES orders(id),
                fingerprint TEXT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
        ]),
    ] + messagingSteps + [
        // The W3C trace context the order was placed in (given with the request or started here).
        Step("orders traceparent", ["ALTER TABLE orders ADD COLUMN traceparent TEXT"]),
    ])
}
