/// A payment record: one per order.
public enum CheckoutStatus: String, Codable, Sendable {
    case pending, successful, failed, refunded
}

public struct AccountView: Codable, Sendable, Equatable {
    public var id: String
    public var balanceCents: Int64
}

/// One balance change an order caused, from the `payment_movements` journal: at most one
/// charge and one refund per order.
public struct PaymentMovement: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case charge, refund
    }

    public var orderID: String
    public var kind: Kind
    public var accountID: String
    public var amountCents: Int64
    public var atMillis: Int64
}

/// A `payment_movements` row whose kind is neither charge nor refund (the table's CHECK forbids it).
public struct PaymentJournalError: Error, CustomStringConvertible {
    public var kind: String
    public var description: String { "payment_movements holds an unknown movement kind '\(kind)'" }
}

/// Totals that must balance: `balances + captured − refunded = deposits`.
public struct LedgerSummary: Sendable, Equatable {
    public var depositsCents: Int64
    public var balancesCents: Int64
    /// Sum of the charges in the payment journal.
    public var capturedCents: Int64
    /// Sum of the refunds in the payment journal.
    public var refundedCents: Int64

    public var isBalanced: Bool { balancesCents + capturedCents - refundedCents == depositsCents }
}

public enum CheckoutError: Error, Equatable, CustomStringConvertible {
    case accountNotFound(String)
    case accountExists(String)
    case invalidAccountID(String)
    case invalidAmount(String)

    public var description: String {
        switch self {
        case .accountNotFound(let id): "account \(id) does not exist"
        case .accountExists(let id): "account \(id) already exists"
        case .invalidAccountID(let id): "invalid account id '\(id)': use 1 to 128 characters"
        case .invalidAmount(let reason): "invalid amount: \(reason)"
        }
    }
}

public struct CheckoutSettings: Sendable, Equatable {
    public var defaultAccountID: String
    /// Opening balance of the default account, created on first start.
    public var defaultBalanceCents: Int64

    public init(defaultAccountID: String = "default", defaultBalanceCents: Int64 = 100_000_000) {
        self.defaultAccountID = defaultAccountID
        self.defaultBalanceCents = defaultBalanceCents
    }
}
