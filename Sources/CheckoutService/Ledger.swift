import GRDB

/// One account in the ledger: its balance beside every cent that entered it (`deposits`,
/// opening balances included) and every charge and refund of the payment journal.
public struct LedgerEntry: Sendable, Equatable {
    public var id: String
    public var balanceCents: Int64
    public var depositedCents: Int64
    public var chargedCents: Int64
    public var refundedCents: Int64

    /// The money invariant for this account: balance = deposits − charges + refunds.
    public var isBalanced: Bool { balanceCents == depositedCents - chargedCents + refundedCents }
}

extension CheckoutService {
    /// Every account, by id, with what the journals say entered and left it. An operator's
    /// query: it reads the whole journal (no hot path runs it).
    public func ledgerByAccount() async throws -> [LedgerEntry] {
        try await host.database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.id, a.balance_cents,
                  (SELECT COALESCE(SUM(d.amount_cents), 0) FROM deposits d WHERE d.account_id = a.id) AS deposited,
                  (SELECT COALESCE(SUM(m.amount_cents), 0) FROM payment_movements m
                     WHERE m.account_id = a.id AND m.kind = 'charge') AS charged,
                  (SELECT COALESCE(SUM(m.amount_cents), 0) FROM payment_movements m
                     WHERE m.account_id = a.id AND m.kind = 'refund') AS refunded
                FROM accounts a ORDER BY a.id
                """
            ).map { row in
                LedgerEntry(
                    id: row["id"], balanceCents: row["balance_cents"], depositedCents: row["deposited"],
                    chargedCents: row["charged"], refundedCents: row["refunded"])
            }
        }
    }
}
