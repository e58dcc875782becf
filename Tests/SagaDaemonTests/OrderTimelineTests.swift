@testable import OrderService
import SagaAPI
@testable import SagaDaemon
@testable import SagaMessaging
import Testing

/// The timeline is built from the services' inbox rows: oldest first, each step measured from the
/// previous event's creation, and an event two services applied counted as one step.
@Suite struct OrderTimelineTests {
    static func handled(_ topic: String, occurred: Int64, handled: Int64, offset: Int64) -> HandledEvent {
        HandledEvent(eventID: "e-\(topic)", topic: topic, partition: 0, offset: offset, occurredAtMillis: occurred,
                     handledAtMillis: handled, traceparent: nil)
    }

    @Test func stepsRunFromEventToEventAndAnEventTwoServicesApplyIsOneStep() throws {
        let order = OrderView(id: "o1", status: .failed, amountCents: 100, accountID: "a", createdAtMillis: 1_000,
                              updatedAtMillis: 1_400, history: nil)
        let timeline = OrderTimeline(order, trace: TraceContext(header: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), handled: [
            ("fulfillment", Self.handled("order_failed", occurred: 1_300, handled: 1_350, offset: 3)),
            ("checkout", Self.handled("order_pending", occurred: 1_010, handled: 1_020, offset: 1)),
            ("order", Self.handled("checkout_failed", occurred: 1_030, handled: 1_290, offset: 2)),
            ("checkout", Self.handled("order_failed", occurred: 1_300, handled: 1_310, offset: 3)),
        ])
        #expect(timeline.traceID == "0af7651916cd43dd8448eb211c80319c")
        #expect(timeline.events.map(\.topic) == ["order_pending", "checkout_failed", "order_failed", "order_failed"])
        #expect(timeline.events.map(\.handledBy) == ["checkout", "order", "checkout", "fulfillment"])
        #expect(timeline.events.map(\.emittedBy) == ["order", "checkout", "order", "order"])
        #expect(timeline.events.map(\.stepMillis) == [10, 20, 270, 270])
        #expect(timeline.events.map(\.waitMillis) == [10, 260, 10, 50])
        #expect(timeline.events.first?.occurredAt == "1970-01-01T00:00:01.010Z")
    }
}
