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
        // Orders in flight, kept by a trigger as OrderSchema.swift's are.
        Step("count orders in flight", [
            "CREATE TABLE order_counts (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
            """
            INSERT INTO order_counts (name, value)
            SELECT 'in_flight', COUNT(*) FROM orders WHERE status IN ('created', 'processing')
            """,
            """
            CREATE FUNCTION count_orders_in_flight() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            DECLARE
                was BOOLEAN := TG_OP <> 'INSERT' AND OLD.status IN ('created', 'processing');
                is_now BOOLEAN := TG_OP <> 'DELETE' AND NEW.status IN ('created', 'processing');
            BEGIN
                IF was <> is_now THEN
                    UPDATE order_counts SET value = value + (CASE WHEN is_now THEN 1 ELSE -1 END) WHERE name = 'in_flight';
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER orders_in_flight AFTER INSERT OR UPDATE OF status OR DELETE ON orders
            FOR EACH ROW EXECUTE FUNCTION count_orders_in_flight()
            """,
        ]),
        // Every history entry is a change of the order's view (placed, moved, a note on a
        // canceled order): it notifies `order_changed` with the order's id, in the writing
        // transaction, so every instance's long polls hear of it at commit and never on a
        // rollback, whichever code wrote it (the saga's steps are the same SQL on SQLite).
        Step("announce order changes", [
            """
            CREATE FUNCTION announce_order_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('\(OrderChangeNotification.channel)', NEW.order_id);
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER order_changed AFTER INSERT ON order_status_history
            FOR EACH ROW EXECUTE FUNCTION announce_order_change()
            """,
        ]),
        announceOutboxRows,
    ])
}
