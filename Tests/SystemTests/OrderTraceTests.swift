import Foundation
import Testing

/// An order's timeline and trace against the real daemon: `GET /v1/orders/{id}/timeline` and
/// `sagactl order trace` show every event of its saga across the three services, where it sat
/// in the log and how long each step took; the `traceparent` it was placed with is in every
/// event's header and in every log line about it.
@Suite(.serialized, .blockingCalls) struct OrderTraceTests {
    static let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    /// The timeline once it has `count` events (the last ones are applied after the order settles).
    static func timeline(_ daemon: DaemonProcess, _ id: String, count: Int) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(20)
        var body: [String: Any] = [:]
        while true {
            let reply = try daemon.call("GET", "/v1/orders/\(id)/timeline")
            #expect(reply.status == 200, "\(reply.text)")
            body = reply.json
            if (body["events"] as? [[String: Any]])?.count ?? 0 >= count { return body }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timeline of \(id) did not reach \(count) events: \(body)")
        return body
    }

    @Test func theTimelineCrossesTheServicesInTheTraceTheOrderWasPlacedIn() async throws {
        let daemon = DaemonProcess(settings: ["fulfillment.work_ms": "30", "logging.level": "debug"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let placed = try daemon.call("POST", "/v1/orders", ["amount": "3.00"], headers: ["traceparent": Self.parent])
        #expect(placed.status == 201, "\(placed.text)")
        let id = try #require(placed.json["id"] as? String)
        #expect(try daemon.settledOrder(id)["status"] as? String == "finished")
        let timeline = try await Self.timeline(daemon, id, count: 5)
        let traceID = "0af7651916cd43dd8448eb211c80319c"
        #expect(timeline["trace_id"] as? String == traceID)
        #expect(timeline["traceparent"] as? String == Self.parent)
        let events = try #require(timeline["events"] as? [[String: Any]])
        #expect(events.map { $0["topic"] as? String } == [
            "order_pending", "checkout_successful", "order_processing", "fulfill_successful", "order_finished",
        ])
        #expect(events.map { $0["emitted_by"] as? String } == ["order", "checkout", "order", "fulfillment", "order"])
        #expect(events.map { $0["handled_by"] as? String } == ["checkout", "order", "fulfillment", "order", "fulfillment"])
        #expect(events.allSatisfy { ($0["step_ms"] as? Int ?? -1) >= 0 && ($0["wait_ms"] as? Int ?? -1) >= 0 })
        #expect((events[3]["step_ms"] as? Int ?? 0) >= 30, "the fulfillment step includes its 30 ms of work")
        // Every event carries the order's trace with a span of its own.
        let spans = events.compactMap { $0["traceparent"] as? String }
        #expect(spans.count == 5 && spans.allSatisfy { $0.hasPrefix("00-\(traceID)-") && $0.hasSuffix("-01") })
        #expect(Set(spans.map { $0.split(separator: "-")[2] } + ["b7ad6b7169203331"]).count == 6)
        // Each event is where the timeline says: its record's event id and traceparent header.
        for event in events {
            let topic = try #require(event["topic"] as? String)
            let reply = try daemon.call(
                "GET", "/v1/topics/\(topic)/records?partition=\(event["partition"] as? Int ?? -1)&offset=\(event["offset"] as? Int ?? -1)&limit=1")
            let record = try #require((reply.json["records"] as? [[String: Any]])?.first, "\(reply.text)")
            let headers = record["headers"] as? [String: String] ?? [:]
            #expect(headers["event-id"] == event["event_id"] as? String)
            #expect(headers["traceparent"] == event["traceparent"] as? String)
        }
        // sagactl shows the same.
        let traced = try await sagactl(["order", "trace", id], socket: daemon.socket)
        #expect(traced.status == 0, "\(traced.output)")
        #expect(traced.output.contains("trace \(traceID)"))
        #expect(traced.output.contains("fulfill_successful") && traced.output.contains("5 steps from order_pending to order_finished"))
        // Every log line about the order carries its trace id: placed, and applied by each service.
        #expect(try await daemon.stop() == 0)
        let lines = daemon.log.split(separator: "\n").filter { $0.contains(id) }
        #expect(lines.count >= 6, "\(lines)")
        #expect(lines.allSatisfy { $0.contains(traceID) }, "\(lines.filter { !$0.contains(traceID) })")
        #expect(lines.contains { $0.contains("order placed") })
        for service in ["order", "checkout", "fulfillment"] {
            #expect(lines.contains { $0.contains("event applied") && $0.contains("service=\(service)") }, "no line of \(service)")
        }
    }

    @Test func aMalformedTraceparentStartsANewTraceAndAnUnknownOrderIs404() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        let malformed = "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"
        let placed = try daemon.call("POST", "/v1/orders", ["amount": "1.00"], headers: ["traceparent": malformed])
        #expect(placed.status == 201, "an invalid traceparent is ignored, not refused")
        let id = try #require(placed.json["id"] as? String)
        _ = try daemon.settledOrder(id)
        let timeline = try await Self.timeline(daemon, id, count: 5)
        let traceID = try #require(timeline["trace_id"] as? String)
        #expect(traceID.count == 32 && traceID != "0af7651916cd43dd8448eb211c80319c")
        let events = try #require(timeline["events"] as? [[String: Any]])
        #expect(events.allSatisfy { ($0["traceparent"] as? String)?.contains(traceID) == true })
        let plain = try daemon.call("POST", "/v1/orders", ["amount": "1.00"])
        let other = try await Self.timeline(daemon, try #require(plain.json["id"] as? String), count: 1)
        #expect((other["trace_id"] as? String)?.count == 32 && other["trace_id"] as? String != traceID, "no header: a new trace")

        let unknown = try daemon.call("GET", "/v1/orders/no-such-order/timeline")
        #expect(unknown.status == 404)
        #expect(unknown.header("content-type") == "application/problem+json")
        #expect((unknown.json["detail"] as? String)?.contains("no-such-order") == true)
        let traced = try await sagactl(["order", "trace", "no-such-order"], socket: daemon.socket)
        #expect(traced.status == 1 && traced.output.contains("does not exist"), "\(traced.output)")
        #expect(try await daemon.stop() == 0)
    }
}
