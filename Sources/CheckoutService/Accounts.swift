import SagaMessaging

/// Checkout's accounts and journals as the API reads and changes them, inside the caller's
/// transaction (or read snapshot). Written once for SQLite and PostgreSQL (`SQLSession`):
/// sums are cast to BIGINT, since PostgreSQL's SUM of BIGINT is NUMERIC.
public enum Accounts {
    /// Creates account `id` with `balanceCents` (journaled as its first deposit).
    /// - Throws: `CheckoutError.accountExists`, or the store's error.
    public static func create<Session: SQLSession>(_ id: String, balanceCents: Int64, in db: Session) throws -> AccountView {
        if try balance(of: id, in: db) != nil { throw CheckoutError.accountExists(id) }
        try db.run("INSERT INTO accounts (id, balance_cents) VALUES (?, ?)") {
            $0.bind(id)
            $0.bind(balanceCents)
        }
        try journalDeposit(id, amountCents: balanceCents, in: db)
        return AccountView(id: id, balanceCents: balanceCents)
    }

    /// The balance of `id`, nil when there is no such account.
    public static func balance<Session: SQLSession>(of id: String, in db: Session) throws -> Int64? {
        try db.firstRow("SELECT balance_cents FROM accounts WHERE id = ?", bind: { $0.bind(id) }, read: { $0.int64(0) })
    }

    /// Adds `amountCents` to `id` and journals it.
    /// - Throws: `CheckoutError.accountNotFound`, or the store's error.
    public static func deposit<Session: SQLSession>(_ id: String, amountCents: Int64, in db: Session) throws -> AccountView {
        guard let balance = try db.firstRow(
            "UPDATE accounts SET balance_cents = balance_cents + ? WHERE id = ? RETURNING balance_cents",
            bind: {
                $0.bind(amountCents)
                $0.bind(id)
            },
            read: { $0.int64(0) })
        else { throw CheckoutError.accountNotFound(id) }
        try journalDeposit(id, amountCents: amountCents, in: db)
        return AccountView(id: id, balanceCents: balance)
    }

    private static func journalDeposit<Session: SQLSession>(_ id: String, amountCents: Int64, in db: Session) throws {
        try db.run("INSERT INTO deposits (account_id, amount_cents, at) VALUES (?, ?, ?)") {
            $0.bind(id)
            $0.bind(amountCents)
            $0.bind(nowMillis())
        }
    }

    /// The money invariant's terms (read them in one snapshot).
    public static func ledger<Session: SQLSession>(in db: Session) throws -> LedgerSummary {
        try db.firstRow(
            """
            SELECT CAST((SELECT COALESCE(SUM(amount_cents), 0) FROM deposits) AS BIGINT),
                   CAST((SELECT COALESCE(SUM(balance_cents), 0) FROM accounts) AS BIGINT),
                   CAST((SELECT COALESCE(SUM(amount_cents), 0) FROM payment_movements WHERE kind = 'charge') AS BIGINT),
                   CAST((SELECT COALESCE(SUM(amount_cents), 0) FROM payment_movements WHERE kind = 'refund') AS BIGINT)
            """,
            read: { LedgerSummary(depositsCents: $0.int64(0), balancesCents: $0.int64(1), capturedCents: $0.int64(2),
                                  refundedCents: $0.int64(3)) }
        ) ?? LedgerSummary(depositsCents: 0, balancesCents: 0, capturedCents: 0, refundedCents: 0)
    }

    /// Every account, by id, with what the journals say entered and left it. An operator's
    /// query: it reads the whole journal (no hot path runs it).
    public static func ledgerByAccount<Session: SQLSession>(in db: Session) throws -> [LedgerEntry] {
        try db.allRows(
            """
            SELECT a.id, a.balance_cents,
              CAST((SELECT COALESCE(SUM(d.amount_cents), 0) FROM deposits d WHERE d.account_id = a.id) AS BIGINT),
              CAST((SELECT COALESCE(SUM(m.amount_cents), 0) FROM payment_movements m
                 WHERE m.account_id = a.id AND m.kind = 'charge') AS BIGINT),
              CAST((SELECT COALESCE(SUM(m.amount_cents), 0) FROM payment_movements m
                 WHERE m.account_id = a.id AND m.kind = 'refund') AS BIGINT)
            FROM accounts a ORDER BY a.id
            """,
            read: {
                LedgerEntry(id: try $0.text(0), balanceCents: $0.int64(1), depositedCents: $0.int64(2),
                            chargedCents: $0.int64(3), refundedCents: $0.int64(4))
            })
    }

    /// The payment journal, ordered by order and kind (charge before refund).
    /// - Throws: `PaymentJournalError` for a kind the code does not know.
    public static func movements<Session: SQLSession>(in db: Session) throws -> [PaymentMovement] {
        try db.allRows(
            "SELECT order_id, kind, account_id, amount_cents, at FROM payment_movements ORDER BY order_id, kind",
            read: { columns in
                let kind = try columns.text(1)
                guard let known = PaymentMovement.Kind(rawValue: kind) else { throw PaymentJournalError(kind: kind) }
                return PaymentMovement(orderID: try columns.text(0), kind: known, accountID: try columns.text(2),
                                       amountCents: columns.int64(3), atMillis: columns.int64(4))
            })
    }

    /// The payment record of an order, if any.
    public static func checkoutStatus<Session: SQLSession>(orderID: String, in db: Session) throws -> CheckoutStatus? {
        try db.firstRow("SELECT status FROM checkouts WHERE order_id = ?", bind: { $0.bind(orderID) }, read: { try $0.text(0) })
            .flatMap(CheckoutStatus.init(rawValue:))
    }
}
