/// Every account and its balance (`AccountList`, `GET /v1/accounts`).
public struct AccountList: APISchema, Equatable {
    public var accounts: [Account]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case accounts
    }

    public init(accounts: [Account]) {
        self.accounts = accounts
    }
}

/// One account in the ledger (`LedgerAccount`): balance beside deposits, charges and refunds.
public struct LedgerAccount: APISchema, Equatable {
    public var id: String
    public var balance: Amount
    public var deposited: Amount
    public var charged: Amount
    public var refunded: Amount
    /// balance = deposited − charged + refunded.
    public var balanced: Bool

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, balance, deposited, charged, refunded, balanced
    }

    public init(id: String, balance: Amount, deposited: Amount, charged: Amount, refunded: Amount, balanced: Bool) {
        self.id = id
        self.balance = balance
        self.deposited = deposited
        self.charged = charged
        self.refunded = refunded
        self.balanced = balanced
    }
}

/// The ledger (`Ledger`, `GET /v1/ledger`): every account, the totals, and whether every
/// account balances.
public struct Ledger: APISchema, Equatable {
    public var accounts: [LedgerAccount]
    public var totals: LedgerTotals
    public var balanced: Bool

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case accounts, totals, balanced
    }

    public init(accounts: [LedgerAccount], totals: LedgerTotals, balanced: Bool) {
        self.accounts = accounts
        self.totals = totals
        self.balanced = balanced
    }
}

/// The ledger's sums over all accounts (`LedgerTotals`).
public struct LedgerTotals: APISchema, Equatable {
    public var balance: Amount
    public var deposited: Amount
    public var charged: Amount
    public var refunded: Amount

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case balance, deposited, charged, refunded
    }

    public init(balance: Amount, deposited: Amount, charged: Amount, refunded: Amount) {
        self.balance = balance
        self.deposited = deposited
        self.charged = charged
        self.refunded = refunded
    }
}
