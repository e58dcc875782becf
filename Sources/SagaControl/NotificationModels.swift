/// A user notification stored when an order finishes, fails or is canceled.
struct OrderNotification: Codable, Sendable, Equatable {
    var id: Int
    var orderID: String
    var kind: String
    var message: String
    var at: String

    enum CodingKeys: String, CodingKey {
        case id, kind, message, at
        case orderID = "order_id"
    }
}

/// The body of `GET /v1/notifications`.
struct NotificationList: Codable, Sendable {
    var notifications: [OrderNotification]
}
