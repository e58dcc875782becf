/// An order as the API shows it (`Order` in openapi.yaml).
struct Order: Codable, Sendable, Equatable {
    var id: String
    var status: String
    var amount: String
    var accountID: String
    var createdAt: String
    var updatedAt: String
    /// Nothing more will happen to the order; absent in older answers.
    var settled: Bool?
    /// Present on single-order reads.
    var history: [StatusChange]?

    enum CodingKeys: String, CodingKey {
        case id, status, amount, settled, history
        case accountID = "account_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Statuses after which the order never changes again (failed may still be refunded).
    static let finalStatuses: Set<String> = ["finished", "refunded", "canceled"]

    /// Whether the order is done: the daemon's `settled`, or a final status when it is absent.
    var isSettled: Bool { settled ?? Self.finalStatuses.contains(status) }
}

/// One entry of an order's status history.
struct StatusChange: Codable, Sendable, Equatable {
    var status: String
    var at: String
    var reason: String?
}

/// A page of `GET /v1/orders`.
struct OrderPage: Codable, Sendable {
    var orders: [Order]
    var nextAfter: String?

    enum CodingKeys: String, CodingKey {
        case orders
        case nextAfter = "next_after"
    }
}

/// The body of `POST /v1/orders`; nil fields are left out so the daemon chooses.
struct OrderRequest: Encodable, Sendable {
    var amount: String?
    var accountID: String?

    enum CodingKeys: String, CodingKey {
        case amount
        case accountID = "account_id"
    }
}
