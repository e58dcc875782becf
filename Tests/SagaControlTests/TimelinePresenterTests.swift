import SagaAPI
import Testing
@testable import SagaControl

/// `sagactl order trace`'s lines: a header with the trace id, a row per applied event.
@Suite struct TimelinePresenterTests {
    @Test func eachAppliedEventIsARowWithItsStepWaitAndPlaceInTheLog() {
        let event = { (topic: String, from: String, by: String, at: String, step: Int64, wait: Int64, offset: Int64) in
            TimelineEvent(eventID: "e-\(topic)-\(by)", topic: topic, partition: 1, offset: offset, emittedBy: from, handledBy: by,
                          occurredAt: at, handledAt: at, stepMillis: step, waitMillis: wait, traceparent: nil)
        }
        let timeline = OrderTimeline(
            orderID: "o1", status: "finished", createdAt: "2026-11-27T12:00:00.000Z",
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736", traceparent: nil,
            events: [
                event("order_pending", "order", "checkout", "2026-11-27T12:00:00.010Z", 2, 8, 41),
                event("checkout_successful", "checkout", "order", "2026-11-27T12:00:01.500Z", 1480, 12, 7),
                event("order_processing", "order", "fulfillment", "2026-11-27T12:00:01.750Z", 240, 10, 9),
            ])
        let presenter = TimelinePresenter(timestamps: TimestampFormatter(timeZone: .gmt, includeMilliseconds: true))
        let lines = presenter.lines(timeline)
        #expect(lines[0] == "order o1  finished")
        #expect(lines[1] == "trace 4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(lines.contains { $0.hasPrefix("HANDLED") && $0.contains("PART@OFFSET") })
        #expect(lines.contains("2026-11-27 12:00:00.010    +2ms   8ms  order_pending        1@41         order     checkout"))
        #expect(lines.contains("2026-11-27 12:00:01.500  +1.48s  12ms  checkout_successful  1@7          checkout  order"))
        #expect(lines.contains("2026-11-27 12:00:01.750  +240ms  10ms  order_processing     1@9          order     fulfillment"))
        #expect(lines.last == "3 steps from order_pending to order_processing in 1.75s")
        let empty = presenter.lines(OrderTimeline(
            orderID: "o2", status: "created", createdAt: "2026-11-27T12:00:00Z", traceID: nil, traceparent: nil, events: []))
        #expect(empty.contains("trace -") && empty.last == "no events applied yet")
    }
}
