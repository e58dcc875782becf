import Foundation

/// One screen of `sagactl top`, made from two `/metrics` samples a second apart (rates are
/// their difference over the time between them): orders per second by outcome, orders in
/// flight by status, create→terminal latency, fsyncs per second, outbox backlog, dead letters
/// and consumer lag per group. Pure: the same samples give the same lines.
struct TopFrame {
    /// The metric names the frame reads (see the daemon's MetricsExporter and SagaMetrics).
    enum Metric {
        static let ordersCreated = "sagad_orders_created_total"
        static let ordersTerminal = "sagad_orders_terminal_total"
        static let orders = "sagad_orders"
        static let settleBucket = "sagad_order_settle_seconds_bucket"
        static let logFsyncs = "sagad_log_fsync_duration_seconds_count"
        static let databaseCommits = "sagad_db_commit_duration_seconds_count"
        static let outboxBacklog = "sagad_outbox_backlog"
        static let deadLetters = "sagad_dead_letters_pending"
        static let consumerLag = "sagad_consumer_lag"
    }

    var previous: MetricsSample?
    var current: MetricsSample
    /// What the first line names (the socket), and the wall-clock time shown beside it.
    var source: String
    var clock: String
    /// Seconds between redraws, as the user asked for them.
    var period: Double = 1
    /// Lines longer than this are cut; the frame is laid out for 80 columns.
    var width = 80

    /// The frame's lines, none longer than `width`.
    func lines() -> [String] {
        let rates = interval.map { String(format: "%.1fs", $0) } ?? "-"
        var lines = ["sagad top  \(source)", "  every \(String(format: "%g", period))s, rates over \(rates)  \(clock)", ""]
        let created = rate(Metric.ordersCreated, ["outcome": "accepted"])
        let finished = rate(Metric.ordersTerminal, ["status": "finished"])
        let failed = rate(Metric.ordersTerminal, ["status": "failed"])
        let canceled = rate(Metric.ordersTerminal, ["status": "canceled"])
        let refunded = rate(Metric.ordersTerminal, ["status": "refunded"])
        let overloaded = rate(Metric.ordersCreated, ["outcome": "overloaded"])
        lines.append(row("Orders/s", [("created", created), ("finished", finished), ("failed", failed)].map { ($0, Self.rate($1)) }))
        lines.append(row("", [("canceled", canceled), ("refunded", refunded), ("refused (overload)", overloaded)]
                         .map { ($0, Self.rate($1)) }))
        let inFlight = ["created", "processing"].map { ($0, Self.count(current.sum(Metric.orders, ["status": $0]))) }
        lines.append(row("In flight", inFlight))
        lines.append(row("Latency", latency()))
        lines.append(row("Fsyncs/s", [("log", Self.rate(rate(Metric.logFsyncs))), ("db", Self.rate(rate(Metric.databaseCommits)))]))
        let backlog = current.sum(Metric.outboxBacklog, by: "service").sorted { $0.key < $1.key }
        lines.append(row("Outbox", backlog.isEmpty ? [("rows", "-")] : backlog.map { ($0.key, Self.count($0.value)) }))
        let dead = current.sum(Metric.deadLetters, by: "topic").filter { $0.value > 0 }.sorted { $0.key < $1.key }
        lines.append(row("Dead letters", [("pending", Self.count(dead.reduce(0) { $0 + $1.value }))]
                         + dead.prefix(3).map { ($0.key, Self.count($0.value)) }))
        lines.append("")
        lines.append(Self.lagLine("GROUP", "LAG", "CHANGE/s"))
        let lag = current.sum(Metric.consumerLag, by: "group")
        let earlier = previous?.sum(Metric.consumerLag, by: "group") ?? [:]
        for (group, value) in lag.sorted(by: { $0.key < $1.key }) {
            let change = interval.flatMap { seconds in earlier[group].map { String(format: "%+.1f", (value - $0) / seconds) } } ?? "-"
            lines.append(Self.lagLine(group, Self.count(value), change))
        }
        if lag.isEmpty { lines.append("(no consumer groups)") }
        return lines.map { $0.count > width ? String($0.prefix(width)) : $0 }
    }

    /// Seconds between the two samples; nil without a previous one (or with no time between).
    var interval: Double? {
        guard let previous, current.takenAt > previous.takenAt else { return nil }
        return current.takenAt - previous.takenAt
    }

    /// The per-second increase of a counter between the samples (a restart, where the counter
    /// fell, counts from zero).
    func rate(_ name: String, _ matching: [String: String] = [:]) -> Double? {
        guard let previous, let interval else { return nil }
        let now = current.sum(name, matching)
        let before = previous.sum(name, matching)
        return (now >= before ? now - before : now) / interval
    }

    /// p50 and p99 of create→terminal from the settle histogram's buckets: over the interval
    /// when orders settled in it, else since the daemon started.
    private func latency() -> [(String, String)] {
        let now = current.sum(Metric.settleBucket, by: "le")
        let before = previous?.sum(Metric.settleBucket, by: "le") ?? [:]
        let window = now.reduce(into: [String: Double]()) { $0[$1.key] = $1.value - (before[$1.key] ?? 0) }
        let recent = (window["+Inf"] ?? 0) > 0 && previous != nil
        let buckets = recent ? window : now
        guard let p50 = Self.quantile(0.5, buckets), let p99 = Self.quantile(0.99, buckets) else {
            return [("p50", "-"), ("p99", "-"), ("create→terminal", "no order settled yet")]
        }
        return [("p50", Self.seconds(p50)), ("p99", Self.seconds(p99)),
                ("create→terminal", recent ? "last \(Self.count(buckets["+Inf"] ?? 0)) orders" : "since start")]
    }

    /// The `q` quantile of cumulative buckets (upper bound text → count), interpolated within
    /// its bucket as Prometheus' `histogram_quantile` does; nil when they hold nothing.
    static func quantile(_ q: Double, _ buckets: [String: Double]) -> Double? {
        let sorted = buckets.compactMap { key, count -> (Double, Double)? in
            let bound = key == "+Inf" ? Double.infinity : Double(key)
            return bound.map { ($0, count) }
        }.sorted { $0.0 < $1.0 }
        guard let total = sorted.last?.1, total > 0 else { return nil }
        let rank = q * total
        var lower = (bound: 0.0, count: 0.0)
        for (bound, count) in sorted {
            if count >= rank {
                if bound.isInfinite { return lower.bound }
                let inBucket = count - lower.count
                return inBucket > 0 ? lower.bound + (bound - lower.bound) * (rank - lower.count) / inBucket : bound
            }
            lower = (bound, count)
        }
        return lower.bound
    }

    private func row(_ title: String, _ fields: [(String, String)]) -> String {
        title.padding(toLength: 13, withPad: " ", startingAt: 0) + fields.map { "\($0) \($1)" }.joined(separator: "   ")
    }

    /// A row of the lag table: the group left-aligned in 20 columns, then two right-aligned in 10.
    static func lagLine(_ group: String, _ lag: String, _ change: String) -> String {
        func right(_ text: String) -> String { String(repeating: " ", count: max(0, 10 - text.count)) + text }
        return group.padding(toLength: max(20, group.count), withPad: " ", startingAt: 0) + " " + right(lag) + " " + right(change)
    }

    static func rate(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }

    static func count(_ value: Double) -> String { String(Int64(value.rounded())) }

    static func seconds(_ value: Double) -> String {
        value < 1 ? String(format: "%.0fms", value * 1000) : String(format: "%.2fs", value)
    }
}
