import Foundation

/// The saga's event types. Each is published on the topic of the same name, keyed by order id,
/// so one order's events keep their order within a topic.
public enum SagaEventType: String, Codable, Sendable, CaseIterable {
    case orderPending = "order_pending"
    case orderProcessing = "order_processing"
    case orderFailed = "order_failed"
    case orderFinished = "order_finished"
    case orderCanceled = "order_canceled"
    case checkoutSuccessful = "checkout_successful"
    case checkoutFailed = "checkout_failed"
    case checkoutRefunded = "checkout_refunded"
    case fulfillSuccessful = "fulfill_successful"
    case fulfillFailed = "fulfill_failed"

    public var topic: String { rawValue }
    /// The service that emits events of this type (its consumer group's name).
    public var emitter: String {
        switch self {
        case .orderPending, .orderProcessing, .orderFailed, .orderFinished, .orderCanceled: "order"
        case .checkoutSuccessful, .checkoutFailed, .checkoutRefunded: "checkout"
        case .fulfillSuccessful, .fulfillFailed: "fulfillment"
        }
    }
    /// Where records of this topic go after their handler kept failing.
    public var deadLetterTopic: String { DeadLetterQueue.topic(for: topic) }
}

/// One saga event: what happened to which order, with the facts the next step needs.
public struct SagaEvent: Codable, Sendable, Equatable {
    /// Unique per event; consumers record it in their inbox so a redelivery has no effect.
    public var id: String
    public var type: SagaEventType
    public var orderID: String
    public var accountID: String?
    public var amountCents: Int64?
    public var reason: String?
    /// Milliseconds since the Unix epoch when the event was created.
    public var occurredAtMillis: Int64
    /// The order's trace with this event's own span; travels in the record's `traceparent`
    /// header, not in the JSON value (records from before it have none).
    public var trace: TraceContext? = nil

    public init(
        id: String = SortableID.make(), type: SagaEventType, orderID: String,
        accountID: String? = nil, amountCents: Int64? = nil, reason: String? = nil,
        occurredAtMillis: Int64 = Int64(Date().timeIntervalSince1970 * 1000), trace: TraceContext? = nil
    ) {
        self.trace = trace
        self.id = id
        self.type = type
        self.orderID = orderID
        self.accountID = accountID
        self.amountCents = amountCents
        self.reason = reason
        self.occurredAtMillis = occurredAtMillis
    }

    enum CodingKeys: String, CodingKey {
        case id, type
        case orderID = "order_id"
        case accountID = "account_id"
        case amountCents = "amount_cents"
        case reason
        case occurredAtMillis = "occurred_at_ms"
    }
}

/// Why an event could not be turned into a `SagaEvent`.
public struct EventDecodingError: Error, CustomStringConvertible {
    public var topic: String
    public var offset: Int64
    public var reason: String
    public var description: String { "cannot decode record \(topic)@\(offset): \(reason)" }
}
