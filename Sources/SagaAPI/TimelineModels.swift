/// An order's saga as `GET /v1/orders/{id}/timeline` shows it (`OrderTimeline`).
public struct OrderTimeline: APISchema, Equatable {
    public var orderID: String
    /// One of `OrderStatus`, kept as text like `Order.status`.
    public var status: String
    public var createdAt: String
    /// The W3C trace id; absent for orders placed before traces were kept.
    public var traceID: String?
    public var traceparent: String?
    /// Oldest first; an event two services applied appears once per service.
    public var events: [TimelineEvent]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case orderID = "order_id"
        case status
        case createdAt = "created_at"
        case traceID = "trace_id"
        case traceparent, events
    }

    public init(orderID: String, status: String, createdAt: String, traceID: String?, traceparent: String?,
                events: [TimelineEvent]) {
        self.orderID = orderID
        self.status = status
        self.createdAt = createdAt
        self.traceID = traceID
        self.traceparent = traceparent
        self.events = events
    }
}

/// One event of an order's saga as one service applied it (`TimelineEvent`).
public struct TimelineEvent: APISchema, Equatable {
    public var eventID: String
    public var topic: String
    public var partition: Int
    public var offset: Int64
    /// The service that emitted the event, and the one that applied it.
    public var emittedBy: String
    public var handledBy: String
    public var occurredAt: String
    public var handledAt: String
    /// From the previous event's creation (the order's, for the first) to this one's.
    public var stepMillis: Int64
    /// From the event's creation to its being applied by `handledBy`.
    public var waitMillis: Int64
    public var traceparent: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case eventID = "event_id"
        case topic, partition, offset
        case emittedBy = "emitted_by"
        case handledBy = "handled_by"
        case occurredAt = "occurred_at"
        case handledAt = "handled_at"
        case stepMillis = "step_ms"
        case waitMillis = "wait_ms"
        case traceparent
    }

    public init(eventID: String, topic: String, partition: Int, offset: Int64, emittedBy: String, handledBy: String,
                occurredAt: String, handledAt: String, stepMillis: Int64, waitMillis: Int64, traceparent: String?) {
        self.eventID = eventID
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.emittedBy = emittedBy
        self.handledBy = handledBy
        self.occurredAt = occurredAt
        self.handledAt = handledAt
        self.stepMillis = stepMillis
        self.waitMillis = waitMillis
        self.traceparent = traceparent
    }
}
