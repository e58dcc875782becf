extension PostgresServiceSchema {
    /// The checkout service's tables in schema `checkout`: the steps of CheckoutSchema.swift
    /// (`ServiceSchema.checkout`), in PostgreSQL's dialect, with the outbox and inbox where that
    /// schema puts `.messaging`.
    public static let checkout = PostgresServiceSchema(plain: "checkout", steps: [
        Step("create accounts", [
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                balance_cents BIGINT NOT NULL CHECK (balance_cents >= 0))
            """,
            // Every cent that enters an account, opening balances included: the money invariant's base.
            """
            CREATE TABLE deposits (
                seq BIGSERIAL PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
                at BIGINT NOT NULL)
            """,
        ]),
        Step("create checkouts", [
            """
            CREATE TABLE checkouts (
                id TEXT PRIMARY KEY,
                order_id TEXT NOT NULL UNIQUE,
                account_id TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending','successful','failed','refunded')),
                amount_cents BIGINT NOT NULL,
                reason TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL)
            """,
        ]),
        Step("create cancel_tombstones", [
            "CREATE TABLE cancel_tombstones (order_id TEXT PRIMARY KEY, at BIGINT NOT NULL)",
        ]),
    ] + messagingSteps + [
        Step("create payment_movements", [
            // The journal of every balance change an order caused: at most one charge and one
            // refund per order, enforced by the key, so a second of either is refused outright.
            """
            CREATE TABLE payment_movements (
              order_id TEXT NOT NULL,
              kind TEXT NOT NULL CHECK (kind IN ('charge','refund')),
              account_id TEXT NOT NULL,
              amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
              at BIGINT NOT NULL,
              PRIMARY KEY (order_id, kind))
            """,
            // As in SQLite, where databases from before this step had checkouts to journal;
            // a PostgreSQL store starts empty, so these copy nothing there, but the step is the same.
            """
            INSERT INTO payment_movements (order_id, kind, account_id, amount_cents, at)
            SELECT order_id, 'charge', account_id, amount_cents, created_at FROM checkouts
            WHERE status IN ('successful', 'refunded')
            """,
            """
            INSERT INTO payment_movements (order_id, kind, account_id, amount_cents, at)
            SELECT order_id, 'refund', account_id, amount_cents, updated_at FROM checkouts
            WHERE status = 'refunded'
            """,
        ]),
        announceOutboxRows,
    ])
}
