/// A user notification stored when an order finishes, fails or is canceled (`OrderNotification`).
public struct OrderNotification: APISchema, Equatable {
    public var id: Int64
    public var orderID: String
    public var kind: String
    public var message: String
    public var at: String

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case orderID = "order_id"
        case kind, message, at
    }

    public init(id: Int64, orderID: String, kind: String, message: String, at: String) {
        self.id = id
        self.orderID = orderID
        self.kind = kind
        self.message = message
        self.at = at
    }
}

/// The body of `GET /v1/notifications` (`NotificationList`).
public struct NotificationList: APISchema {
    public var notifications: [OrderNotification]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case notifications
    }

    public init(notifications: [OrderNotification]) {
        self.notifications = notifications
    }
}
