/// An order as the API shows it (`Order`).
public struct Order: APISchema, Equatable {
    public var id: String
    /// One of `OrderStatus` in openapi.yaml; kept as text so an older sagactl reads a newer daemon.
    public var status: String
    public var amount: Amount
    public var accountID: String
    public var createdAt: String
    public var updatedAt: String
    /// Nothing more will happen to the order; absent in older answers.
    public var settled: Bool?
    /// Present on single-order reads.
    public var history: [StatusChange]?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, status, amount
        case accountID = "account_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case settled, history
    }

    public init(
        id: String, status: String, amount: Amount, accountID: String, createdAt: String, updatedAt: String,
        settled: Bool?, history: [StatusChange]?
    ) {
        self.id = id
        self.status = status
        self.amount = amount
        self.accountID = accountID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.settled = settled
        self.history = history
    }

    /// Statuses after which the order never changes again (failed may still be refunded).
    public static let finalStatuses: Set<String> = ["finished", "refunded", "canceled"]

    /// Whether the order is done: the daemon's `settled`, or a final status when it is absent.
    public var isSettled: Bool { settled ?? Self.finalStatuses.contains(status) }
}

/// One entry of an order's status history (`StatusChange`).
public struct StatusChange: APISchema, Equatable {
    public var status: String
    public var at: String
    public var reason: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case status, at, reason
    }

    public init(status: String, at: String, reason: String?) {
        self.status = status
        self.at = at
        self.reason = reason
    }
}

/// A page of `GET /v1/orders` (`OrderPage`).
public struct OrderPage: APISchema {
    public var orders: [Order]
    /// Pass as `after` for the next page; absent at the end.
    public var nextAfter: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case orders
        case nextAfter = "next_after"
    }

    public init(orders: [Order], nextAfter: String?) {
        self.orders = orders
        self.nextAfter = nextAfter
    }
}

/// The body of `POST /v1/orders` (`OrderRequest`); absent fields are chosen by the daemon.
public struct OrderRequest: APIRequestBody {
    public var amount: Amount?
    public var accountID: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case amount
        case accountID = "account_id"
    }

    public init(amount: Amount?, accountID: String?) {
        self.amount = amount
        self.accountID = accountID
    }

    public init(from decoder: any Decoder) throws {
        try Self.rejectUnknownProperties(in: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        amount = try container.decodeIfPresent(Amount.self, forKey: .amount)
        accountID = try container.decodeIfPresent(String.self, forKey: .accountID)
    }
}
