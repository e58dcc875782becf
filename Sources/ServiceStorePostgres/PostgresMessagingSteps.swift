import SagaMessaging

extension PostgresServiceSchema {
    /// The outbox and inbox steps every hosted service has, in the order SagaMessaging's
    /// `ServiceSchema.messaging` registers them (Outbox.swift): the tables first, the columns
    /// added later after them.
    public static let messagingSteps: [Step] = [
        Step("create outbox", [
            """
            CREATE TABLE outbox (
                seq BIGSERIAL PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                topic TEXT NOT NULL,
                payload BYTEA NOT NULL,
                created_at BIGINT NOT NULL)
            """,
        ]),
        Step("create inbox", [
            """
            CREATE TABLE inbox (
                event_id TEXT PRIMARY KEY,
                topic TEXT NOT NULL,
                processed_at BIGINT NOT NULL)
            """,
            "CREATE INDEX inbox_processed_at ON inbox(processed_at)",
        ]),
        Step("outbox record key", ["ALTER TABLE outbox ADD COLUMN record_key TEXT"]),
        Step("inbox timeline", [
            "ALTER TABLE inbox ADD COLUMN order_id TEXT",
            "ALTER TABLE inbox ADD COLUMN log_partition BIGINT",
            "ALTER TABLE inbox ADD COLUMN log_offset BIGINT",
            "ALTER TABLE inbox ADD COLUMN occurred_at BIGINT",
            "ALTER TABLE inbox ADD COLUMN traceparent TEXT",
            "CREATE INDEX inbox_order ON inbox(order_id) WHERE order_id IS NOT NULL",
        ]),
        Step("outbox traceparent", ["ALTER TABLE outbox ADD COLUMN traceparent TEXT"]),
    ]

    /// The last step of every service's schema: each transaction that adds outbox rows
    /// notifies `outbox_<schema>` at commit (once per transaction: PostgreSQL folds repeats),
    /// which the relay of whichever instance holds the schema's relay lock listens on, so that
    /// rows committed on any instance are relayed at once rather than at its next poll.
    static let announceOutboxRows = Step(ServiceSchema.announceOutboxRows, [
        """
        CREATE FUNCTION announce_outbox_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, '');
            RETURN NULL;
        END
        $$
        """,
        "CREATE TRIGGER outbox_rows AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION announce_outbox_rows()",
    ])

    /// The channel `announceOutboxRows` notifies for `schema`.
    static func outboxChannel(_ schema: String) -> String { "outbox_" + schema }
}
