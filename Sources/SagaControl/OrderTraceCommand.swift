import ArgumentParser
import Foundation
import SagaAPI

/// `sagactl order trace ID`: GET /v1/orders/{id}/timeline, the order's saga event by event.
struct OrderTraceCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Show an order's saga across the services, event by event.",
        discussion: """
            One line per event a service applied: when, how long its step took (since the \
            previous event) and how long it waited to be applied, its topic, partition and \
            offset, and which service emitted and which applied it. The header shows the W3C \
            trace id the order was placed in (its traceparent, or one sagad started).
            """
    )

    @Argument(help: "The order id.")
    var id: String

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.getOrderTimeline, id)
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let timeline = try response.decode(OrderTimeline.self, path: request.path)
        TimelinePresenter().lines(timeline).forEach(session.console.printLine)
    }
}

/// Turns an order's timeline into the lines `order trace` prints.
struct TimelinePresenter {
    var timestamps = TimestampFormatter(includeMilliseconds: true)

    /// A header (order, status, trace id, creation), then one table row per applied event.
    func lines(_ timeline: OrderTimeline) -> [String] {
        var lines = [
            "order \(timeline.orderID)  \(timeline.status)",
            "trace \(timeline.traceID ?? "-")",
            "created \(timestamps.format(timeline.createdAt))",
            "",
        ]
        guard !timeline.events.isEmpty else {
            return lines + ["no events applied yet"]
        }
        var table = TextTable([
            .init("HANDLED"), .init("STEP", .right), .init("WAIT", .right), .init("TOPIC"), .init("PART@OFFSET"),
            .init("FROM"), .init("BY"),
        ])
        for event in timeline.events {
            table.append([
                timestamps.format(event.handledAt), "+\(Self.duration(event.stepMillis))", Self.duration(event.waitMillis),
                event.topic, "\(event.partition)@\(event.offset)", event.emittedBy, event.handledBy,
            ])
        }
        lines += table.renderedLines()
        if let first = timeline.events.first, let last = timeline.events.last,
           let start = TimestampFormatter.parse(timeline.createdAt), let end = TimestampFormatter.parse(last.handledAt) {
            let total = Int64((end.timeIntervalSince(start) * 1000).rounded())
            lines.append("")
            lines.append("\(timeline.events.count) steps from \(first.topic) to \(last.topic) in \(Self.duration(max(0, total)))")
        }
        return lines
    }

    /// Milliseconds as `850ms`, `1.25s` or `2m03s`.
    static func duration(_ millis: Int64) -> String {
        if millis < 1000 { return "\(millis)ms" }
        if millis < 60_000 { return String(format: "%.2fs", Double(millis) / 1000) }
        return String(format: "%dm%02ds", millis / 60_000, (millis % 60_000) / 1000)
    }
}
