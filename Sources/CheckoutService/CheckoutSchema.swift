import SagaMessaging

extension ServiceSchema {
    /// checkout.sqlite: accounts, checkouts, cancel tombstones and the payment journal, one
    /// named migration per schema step, with the outbox and inbox where they always stood.
    static let checkout = ServiceSchema([
        .sql("create accounts", [
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0))
            """,
            // Every cent that enters an account, opening balances included: the money invariant's base.
            """
            CREATE TABLE deposits (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
                at INTEGER NOT NULL)
            """,
        ]),
        .sql("create checkouts", [
            """
            CREATE TABLE checkouts (
                id TEXT PRIMARY KEY,
                order_id TEXT NOT NULL UNIQUE,
                account_id TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending','successful','failed','refunded')),
                amount_cents INTEGER NOT NULL,
                reason TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL)
            """,
        ]),
        .sql("create cancel_tombstones", [
            "CREATE TABLE cancel_tombstones (order_id TEXT PRIMARY KEY, at INTEGER NOT NULL)",
        ]),
        .messaging,
        .sql("create payment_movements", [
            // The journal of every balance change an order caused: at most one charge and one
            // refund per order, enforced by the key, so a second of either is refused outright.
            """
            CREATE TABLE payment_movements (
              order_id TEXT NOT NULL,
              kind TEXT NOT NULL CHECK (kind IN ('charge','refund')),
              account_id TEXT NOT NULL,
              amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
              at INTEGER NOT NULL,
              PRIMARY KEY (order_id, kind))
            """,
            // Databases from earlier versions: a successful or refunded checkout was charged,
            // a refunded one was also credited back.
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
        // On PostgreSQL, new outbox rows wake the relay of whichever instance holds it.
        .sql(ServiceSchema.announceOutboxRows, []),
    ])
}
