extension PostgresServiceSchema {
    /// The fulfillment service's tables in schema `fulfillment`: the steps of
    /// FulfillmentSchema.swift (`ServiceSchema.fulfillment`), in PostgreSQL's dialect, with the
    /// outbox and inbox where that schema puts `.messaging`.
    public static let fulfillment = PostgresServiceSchema(plain: "fulfillment", steps: [
        Step("create fulfillments", [
            """
            CREATE TABLE fulfillments (
                id TEXT PRIMARY KEY,
                order_id TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL CHECK (status IN ('pending','successful','failed')),
                reason TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX fulfillments_status ON fulfillments(status)",
        ]),
        Step("create notifications", [
            """
            CREATE TABLE notifications (
                id BIGSERIAL PRIMARY KEY,
                order_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                at BIGINT NOT NULL)
            """,
            "CREATE INDEX notifications_order ON notifications(order_id)",
        ]),
    ] + messagingSteps + [
        // The trace context of the order_processing event, for the outcome's event.
        Step("fulfillments traceparent", ["ALTER TABLE fulfillments ADD COLUMN traceparent TEXT"]),
        // The fulfillment deadline counts from when the order went processing (its
        // order_processing event's time); rows from before this step count from their creation.
        Step("add fulfillments.processing_since", [
            "ALTER TABLE fulfillments ADD COLUMN processing_since BIGINT",
            "UPDATE fulfillments SET processing_since = created_at",
            "DROP INDEX fulfillments_status",
            "CREATE INDEX fulfillments_status_since ON fulfillments(status, processing_since)",
        ]),
        announceOutboxRows,
    ])
}
