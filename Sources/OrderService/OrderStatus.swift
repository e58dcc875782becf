/// An order's place in the saga: `created → processing → finished`, or `failed`, `refunded`,
/// `canceled`. `processing` is the pivot: payment is taken and cancel is no longer possible.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case created, processing, finished, failed, refunded, canceled

    /// No further transition is expected. A `failed` order that was charged still moves on to
    /// `refunded`; see `OrderView.isSettled`.
    public var isTerminal: Bool {
        switch self {
        case .finished, .failed, .refunded, .canceled: true
        case .created, .processing: false
        }
    }
}

/// One entry of an order's status history.
public struct StatusChange: Codable, Sendable, Equatable {
    public var status: OrderStatus
    public var atMillis: Int64
    public var reason: String?
}

/// An order as the API shows it.
public struct OrderView: Codable, Sendable, Equatable {
    public var id: String
    public var status: OrderStatus
    public var amountCents: Int64
    public var accountID: String
    public var createdAtMillis: Int64
    public var updatedAtMillis: Int64
    /// Filled only by single-order reads.
    public var history: [StatusChange]?
    /// Whether a failed order had reached `processing` (was charged, so a refund follows);
    /// filled by listings, which carry no history.
    public var reachedProcessing: Bool? = nil
}

/// What the order service refuses, with enough detail for a clear API error.
public enum OrderError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    /// Cancel after the pivot (or of an order that failed).
    case cannotCancel(id: String, status: OrderStatus)
    /// Too many orders are in flight; retry after a while.
    case overloaded(inFlight: Int, limit: Int)
    case invalidAmount(String)
    case invalidAccount(String)
    /// The idempotency key was used before with a different request.
    case idempotencyKeyReused(String)

    public var description: String {
        switch self {
        case .notFound(let id): "order \(id) does not exist"
        case .cannotCancel(let id, let status): "order \(id) is \(status.rawValue) and can no longer be canceled"
        case .overloaded(let inFlight, let limit): "\(inFlight) orders are in flight (limit \(limit)); try again shortly"
        case .invalidAmount(let reason): "invalid amount: \(reason)"
        case .invalidAccount(let reason): "invalid account: \(reason)"
        case .idempotencyKeyReused(let key): "idempotency key '\(key)' was already used for a different request"
        }
    }
}

/// Settings of the order service.
public struct OrderSettings: Sendable, Equatable {
    public var defaultAccountID: String
    /// An order placed without an amount gets a random one from this (inclusive) to the max;
    /// the two are set apart (configuration sets each from its own key, then checks min ≤ max).
    public var randomAmountMinCents: Int64
    public var randomAmountMaxCents: Int64
    /// New orders are refused while this many are `created` or `processing`.
    public var maxInFlight: Int
    /// An order still `created` this long after it was placed is canceled (its payment, should
    /// it come later, refunded); `nil` never cancels.
    public var paymentTimeout: Duration?

    public init(defaultAccountID: String = "default", randomAmountCents: ClosedRange<Int64> = 100...10_000,
                maxInFlight: Int = 10_000, paymentTimeout: Duration? = .seconds(15 * 60)) {
        self.defaultAccountID = defaultAccountID
        self.paymentTimeout = paymentTimeout
        self.randomAmountMinCents = randomAmountCents.lowerBound
        self.randomAmountMaxCents = randomAmountCents.upperBound
        self.maxInFlight = maxInFlight
    }

    /// The range random amounts come from (min and max swapped if set the wrong way round).
    public var randomAmountCents: ClosedRange<Int64> {
        min(randomAmountMinCents, randomAmountMaxCents)...max(randomAmountMinCents, randomAmountMaxCents)
    }
}
