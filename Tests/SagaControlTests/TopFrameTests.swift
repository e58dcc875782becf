import Testing
@testable import SagaControl

/// `sagactl top`'s frame from two fixed `/metrics` samples two seconds apart: rates from their
/// difference, latency quantiles from the settle histogram's new buckets, lines within 80 columns.
@Suite struct TopFrameTests {
    static func exposition(created: Int, finished: Int, failed: Int, buckets: [Int], fsyncs: Int, commits: Int, lag: Int) -> String {
        let bounds = ["0.1", "0.25", "0.5", "1.0", "+Inf"]
        return """
            # HELP sagad_orders_created_total Orders placed.
            # TYPE sagad_orders_created_total counter
            sagad_orders_created_total{outcome="accepted"} \(created)
            sagad_orders_created_total{outcome="replayed"} 1000
            sagad_orders_terminal_total{status="finished"} \(finished)
            sagad_orders_terminal_total{status="failed"} \(failed)
            sagad_orders{status="created"} 3
            sagad_orders{status="processing"} 5
            sagad_orders{status="finished"} 999
            \(zip(bounds, buckets).map { "sagad_order_settle_seconds_bucket{status=\"finished\",le=\"\($0)\"} \($1)" }.joined(separator: "\n"))
            sagad_order_settle_seconds_bucket{status="canceled",le="+Inf"} 0
            sagad_log_fsync_duration_seconds_count{file="segment"} \(fsyncs)
            sagad_log_fsync_duration_seconds_count{file="offsets"} \(fsyncs)
            sagad_db_commit_duration_seconds_count{database="orders"} \(commits)
            sagad_outbox_backlog{service="checkout"} 2
            sagad_outbox_backlog{service="order"} 0
            sagad_dead_letters_pending{topic="order_pending"} 0
            sagad_dead_letters_pending{topic="checkout_failed"} 4
            sagad_consumer_lag{group="checkout",topic="order_pending",partition="0"} \(lag)
            sagad_consumer_lag{group="checkout",topic="order_failed",partition="0"} 1
            sagad_consumer_lag{group="order",topic="checkout_successful",partition="1"} 0
            """
    }

    static let before = MetricsSample(
        text: exposition(created: 100, finished: 90, failed: 2, buckets: [10, 50, 80, 90, 92], fsyncs: 5, commits: 20, lag: 9),
        takenAt: 100)
    static let after = MetricsSample(
        text: exposition(created: 120, finished: 110, failed: 4, buckets: [10, 60, 100, 112, 114], fsyncs: 15, commits: 30, lag: 3),
        takenAt: 102)

    @Test func theExpositionParsesIntoSeriesWithLabels() {
        #expect(Self.after.sum("sagad_orders_created_total") == 1120)
        #expect(Self.after.sum("sagad_orders_created_total", ["outcome": "accepted"]) == 120)
        #expect(Self.after.sum("sagad_consumer_lag", by: "group") == ["checkout": 4, "order": 0])
        #expect(Self.after.sum("sagad_order_settle_seconds_bucket", by: "le")["+Inf"] == 114)
        let odd = MetricsSample(text: "x{a=\"q\\\"uote\",b=\"c\"} 2.5 1700000000\nbroken{ 1\ny +Inf\n", takenAt: 0)
        #expect(odd.series == [.init(name: "x", labels: ["a": "q\"uote", "b": "c"], value: 2.5),
                               .init(name: "y", labels: [:], value: .infinity)])
    }

    @Test func theFrameShowsRatesInFlightLatencyBacklogDeadLettersAndLag() {
        let lines = TopFrame(previous: Self.before, current: Self.after, source: "/run/sagad/sagad.sock", clock: "12:00:00").lines()
        #expect(lines[0] == "sagad top  /run/sagad/sagad.sock")
        #expect(lines[1] == "  every 1s, rates over 2.0s  12:00:00")
        let slow = TopFrame(previous: Self.before, current: Self.after, source: "s", clock: "c", period: 2.5).lines()
        #expect(slow[1] == "  every 2.5s, rates over 2.0s  c")
        #expect(lines.contains("Orders/s     created 10.0   finished 10.0   failed 1.0"))
        #expect(lines.contains("             canceled 0.0   refunded 0.0   refused (overload) 0.0"))
        #expect(lines.contains("In flight    created 3   processing 5"))
        // 22 orders settled in the interval: 10 in (0.1, 0.25], 10 in (0.25, 0.5], 2 in (0.5, 1].
        #expect(lines.contains("Latency      p50 275ms   p99 945ms   create→terminal last 22 orders"))
        #expect(lines.contains("Fsyncs/s     log 10.0   db 5.0"))
        #expect(lines.contains("Outbox       checkout 2   order 0"))
        #expect(lines.contains("Dead letters pending 4   checkout_failed 4"))
        #expect(lines.contains(TopFrame.lagLine("checkout", "4", "-3.0")))
        #expect(lines.contains(TopFrame.lagLine("order", "0", "+0.0")))
        #expect(lines.allSatisfy { $0.count <= 80 })
    }

    @Test func theFirstFrameHasNoRatesAndANarrowTerminalCutsLines() {
        let lines = TopFrame(previous: nil, current: Self.after, source: "s", clock: "c", width: 30).lines()
        #expect(lines.contains("Orders/s     created -   finis"))
        #expect(lines.contains("Latency      p50 241ms   p99 1"), "quantiles since start, cut at 30 columns")
        #expect(lines.allSatisfy { $0.count <= 30 })
        let empty = TopFrame(previous: nil, current: MetricsSample(series: [], takenAt: 0), source: "s", clock: "c").lines()
        #expect(empty.contains("Latency      p50 -   p99 -   create→terminal no order settled yet"))
        #expect(empty.contains("(no consumer groups)"))
    }

    @Test func quantilesInterpolateWithinTheirBucketAsPrometheusDoes() {
        #expect(TopFrame.quantile(0.5, ["1": 0, "2": 10, "+Inf": 10]) == 1.5)
        #expect(TopFrame.quantile(0.99, ["1": 5, "+Inf": 10]) == 1, "beyond the last bound: the last bound")
        #expect(TopFrame.quantile(0.5, ["+Inf": 0]) == nil)
    }
}
