
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
        try await host.database.read { db in try Accounts.ledgerByAccount(in: db) }
    }
}
