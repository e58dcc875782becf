import SagaMessaging

extension ServiceSchema {
    /// fulfillment.sqlite: fulfillments and notifications, one named migration per schema step,
    /// then the outbox and inbox.
    static let fulfillment = ServiceSchema([
        .sql("create fulfillments", [
            """
            CREATE TABLE fulfillments (
                id TEXT PRIMARY KEY,
                order_id TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL CHECK (status IN ('pending','successful','failed')),
                reason TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL)
            """,
            "CREATE INDEX fulfillments_status ON fulfillments(status)",
        ]),
        .sql("create notifications", [
            """
            CREATE TABLE notifications (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                order_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                at INTEGER NOT NULL)
            """,
            "CREATE INDEX notifications_order ON notifications(order_id)",
        ]),
        .messaging,
        // The trace context of the order_processing event, for the outcome's event.
        .sql("fulfillments traceparent", ["ALTER TABLE fulfillments ADD COLUMN traceparent TEXT"]),
        // The fulfillment deadline counts from when the order went processing (its
        // order_processing event's time); rows from before this step count from their creation.
        .sql("add fulfillments.processing_since", [
            "ALTER TABLE fulfillments ADD COLUMN processing_since INTEGER",
            "UPDATE fulfillments SET processing_since = created_at",
            "DROP INDEX fulfillments_status",
            "CREATE INDEX fulfillments_status_since ON fulfillments(status, processing_since)",
        ]),
        // On PostgreSQL, new outbox rows wake the relay of whichever instance holds it.
        .sql(ServiceSchema.announceOutboxRows, []),
    ])
}
