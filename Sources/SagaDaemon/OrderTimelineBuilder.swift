import OrderService
import SagaAPI
import SagaMessaging

extension OrderTimeline {
    /// The timeline of `order` from the events each service applied (`handled`, as service
    /// name and inbox entry): oldest first by creation, then by when they were applied. A
    /// step is the time from the previous event's creation (the order's for the first) to this
    /// event's; the wait is from its creation to its being applied.
    init(_ order: OrderView, trace: TraceContext?, handled: [(service: String, event: HandledEvent)]) {
        let sorted = handled.sorted {
            ($0.event.occurredAtMillis, $0.event.handledAtMillis, $0.service) < ($1.event.occurredAtMillis, $1.event.handledAtMillis, $1.service)
        }
        // Each distinct event's step, measured once: an event two services applied is one step.
        var steps: [String: Int64] = [:]
        var previous = order.createdAtMillis
        for (_, event) in sorted where steps[event.eventID] == nil {
            steps[event.eventID] = max(0, event.occurredAtMillis - previous)
            previous = event.occurredAtMillis
        }
        let events = sorted.compactMap { service, event -> TimelineEvent? in
            guard let type = SagaEventType(rawValue: event.topic) else { return nil }
            return TimelineEvent(
                eventID: event.eventID, topic: event.topic, partition: event.partition, offset: event.offset,
                emittedBy: type.emitter, handledBy: service,
                occurredAt: RFC3339.format(millis: event.occurredAtMillis), handledAt: RFC3339.format(millis: event.handledAtMillis),
                stepMillis: steps[event.eventID] ?? 0, waitMillis: max(0, event.handledAtMillis - event.occurredAtMillis),
                traceparent: event.traceparent)
        }
        self.init(
            orderID: order.id, status: order.status.rawValue, createdAt: RFC3339.format(millis: order.createdAtMillis),
            traceID: trace?.traceID, traceparent: trace?.header, events: events)
    }
}
