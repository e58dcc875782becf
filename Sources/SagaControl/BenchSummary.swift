import Foundation

/// The numbers a bench run reports, printed as a table or (with --json) as this JSON object.
struct BenchSummary: Codable, Sendable, Equatable {
    var orders: Int
    var concurrency: Int
    /// Orders per second offered (open loop); nil for a closed-loop run.
    var offeredRate: Double?
    var account: String?
    var amount: String?
    var completed: Int
    var wallTimeSeconds: Double
    var ordersPerSecond: Double
    var statuses: [String: Int]
    var failures: [String: Int]
    var overloadRetries: Int
    var transportRetries: Int
    var createToTerminal: LatencySummary
    var createRequest: LatencySummary

    enum CodingKeys: String, CodingKey {
        case orders, concurrency, amount, completed, statuses, failures, account
        case offeredRate = "offered_rate"
        case wallTimeSeconds = "wall_time_seconds"
        case ordersPerSecond = "orders_per_second"
        case overloadRetries = "overload_retries"
        case transportRetries = "transport_retries"
        case createToTerminal = "create_to_terminal"
        case createRequest = "create_request"
    }

    init(_ result: BenchResult) {
        orders = result.orders
        concurrency = result.concurrency
        offeredRate = result.offeredRate
        account = result.account
        amount = result.amount
        completed = result.statusCounts.values.reduce(0, +)
        wallTimeSeconds = OrderWatcher.seconds(result.wallTime)
        ordersPerSecond = wallTimeSeconds > 0 ? Double(completed) / wallTimeSeconds : 0
        statuses = result.statusCounts
        failures = result.failureCounts
        overloadRetries = result.overloadRetries
        transportRetries = result.transportRetries
        createToTerminal = LatencySummary(microseconds: result.terminalLatency)
        createRequest = LatencySummary(microseconds: result.createLatency)
    }

    /// The human-readable report: settings and throughput, statuses, then latency percentiles.
    func reportLines() -> [String] {
        var overview = TextTable([.init(""), .init("")])
        if let offeredRate {
            overview.append(["orders", String(format: "%d offered at %.1f/s (open loop: latency from each order's scheduled send)", orders, offeredRate)
                + ", amount \(amount ?? "random")"])
        } else {
            overview.append(["orders", "\(orders) at concurrency \(concurrency), amount \(amount ?? "random")"])
        }
        overview.append(["account", account ?? "the daemon's default"])
        overview.append(["completed", String(completed)])
        overview.append(["wall time", String(format: "%.3f s", wallTimeSeconds)])
        overview.append(["throughput", String(format: "%.1f orders/s", ordersPerSecond)])
        overview.append(["overloaded", "\(overloadRetries) × 503, retried after Retry-After"])
        if transportRetries > 0 {
            overview.append(["reconnects", "\(transportRetries) create requests resent after a connection failure"])
        }
        if !failures.isEmpty {
            overview.append(["failed", "\(failures.values.reduce(0, +)) orders (see ERRORS)"])
        }
        var lines = Array(overview.renderedLines().dropFirst())

        var statusTable = TextTable([.init("STATUS"), .init("ORDERS", .right)])
        for (status, count) in statuses.sorted(by: { $0.key < $1.key }) {
            statusTable.append([status, String(count)])
        }
        lines += [""] + statusTable.renderedLines()
        if !failures.isEmpty {
            var failureTable = TextTable([.init("ORDERS", .right), .init("ERRORS")])
            for (failure, count) in failures.sorted(by: { $0.value > $1.value }) {
                failureTable.append([String(count), failure])
            }
            lines += [""] + failureTable.renderedLines()
        }

        var latency = TextTable([
            .init("LATENCY (ms)"), .init("P50", .right), .init("P90", .right), .init("P99", .right),
            .init("MAX", .right), .init("COUNT", .right),
        ])
        for (name, summary) in [("create → terminal", createToTerminal), ("create request", createRequest)] {
            latency.append([name, Self.ms(summary.p50Ms), Self.ms(summary.p90Ms), Self.ms(summary.p99Ms),
                            Self.ms(summary.maxMs), String(summary.count)])
        }
        lines += [""] + latency.renderedLines()
        return lines
    }

    private static func ms(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
