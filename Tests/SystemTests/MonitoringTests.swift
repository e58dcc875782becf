import Foundation
import Testing

/// The shipped alert rules and Grafana dashboard against a real Prometheus scraping a real
/// sagad: every panel query and every rule's condition must return data, so no panel is
/// blind and no rule watches a metric sagad does not export. The JSON and the rules are read
/// as shipped, so a new panel or rule is covered without touching this test.
@Suite(.serialized, .blockingCalls) struct MonitoringTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    @Test(.enabled(if: PrometheusServer.isInstalled || inCI, "prometheus is not installed (apt-get install prometheus)"))
    func everyPanelAndAlertHasDataInARealPrometheus() async throws {
        try #require(PrometheusServer.isInstalled, "CI=true: /usr/bin/prometheus must be installed (make test-deps)")
        let port = LoopbackHTTPClient.freePort()
        let daemon = DaemonProcess(settings: [
            "http.listen": "127.0.0.1:\(port)", "fulfillment.failure_rate": "0.2", "fulfillment.work_ms": "5",
        ])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let prometheus = PrometheusServer()
        defer { prometheus.cleanUp() }
        try await prometheus.start(scraping: "127.0.0.1:\(port)")

        // Rates need a sample from before the load and one after it.
        try await waitUntil("Prometheus scraped sagad", prometheus) {
            try prometheus.query(#"up{job="sagad"} == 1"#).count == 1
        }
        let placed = try await driveLoad(daemon)
        try await waitUntil("Prometheus sees all \(placed) orders settled", prometheus) {
            let orders = try prometheus.query(#"sum(sagad_orders{job="sagad"})"#).first?.value
            let inFlight = try prometheus.query(#"sum(sagad_orders{job="sagad", status=~"created|processing"})"#).first?.value
            return orders == Double(placed) && inFlight == 0
        }
        let scrapes = try prometheus.query(#"count_over_time(up{job="sagad"}[5m])"#).first?.value ?? 0
        try await waitUntil("two more scrapes", prometheus) {
            try (prometheus.query(#"count_over_time(up{job="sagad"}[5m])"#).first?.value ?? 0) >= scrapes + 2
        }
        let shippedRules = try String(contentsOf: Self.repository.appendingPathComponent("config/prometheus/sagad-alerts.yml"), encoding: .utf8)
            .components(separatedBy: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- alert:") }.count
        try await waitUntil("Prometheus evaluated all \(shippedRules) rules", prometheus) {
            let rules = try prometheus.rules()
            return rules.count == shippedRules && rules.allSatisfy { $0["health"] as? String == "ok" }
        }

        // Every rule: each part of its condition returns series, and each metric it names exists.
        var checkedRules = 0
        for rule in try prometheus.rules() {
            let name = rule["name"] as? String ?? "?"
            let expression = try #require(rule["query"] as? String)
            for operand in PromQLExpression.conditionOperands(expression) {
                #expect(try !prometheus.query(operand).isEmpty, "alert \(name): '\(operand)' returns no series")
            }
            try expectMetricsExist(expression, in: prometheus, "alert \(name)")
            checkedRules += 1
        }

        // Every panel target: returns at least one series with a number (not NaN).
        let dashboard = try Self.dashboard()
        var checkedTargets = 0
        for (title, expression) in dashboard {
            let result = try prometheus.query(expression)
            #expect(result.contains { $0.value.isFinite }, "panel '\(title)': '\(expression)' returns \(result.isEmpty ? "no series" : "only NaN")")
            try expectMetricsExist(expression, in: prometheus, "panel '\(title)'")
            checkedTargets += 1
        }
        // Requests are labelled by the route table's template, never by the raw path.
        #expect(try prometheus.query(#"sagad_http_requests_total{route="/v1/orders/{id}", method="GET", code="404"}"#).first?.value == 3)
        #expect(try prometheus.query(#"sagad_http_requests_total{route=~".*no-such-order.*"}"#).isEmpty)
        #expect(checkedRules == shippedRules)
        #expect(checkedTargets > 20)
        print("monitoring: \(checkedTargets) panel queries and \(checkedRules) alert rules return data in Prometheus")
        await prometheus.stop()
        #expect(try await daemon.stop() == 0)
    }

    /// Fails for each metric `expression` names that Prometheus has no series of.
    func expectMetricsExist(_ expression: String, in prometheus: PrometheusServer, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        for metric in PromQLExpression.metricNames(expression) {
            #expect(try !prometheus.query("count(\(metric))").isEmpty, "\(what) names \(metric), which sagad does not export",
                    sourceLocation: sourceLocation)
        }
    }

    /// A few hundred orders from several threads, some failing (fulfillment.failure_rate, and
    /// an account too poor to pay), plus a few 404s; returns how many orders were placed.
    func driveLoad(_ daemon: DaemonProcess) async throws -> Int {
        #expect(try daemon.call("POST", "/v1/accounts", ["id": "poor", "balance": "1.00"]).status == 201)
        let socket = daemon.socket
        let placed: Int = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let count = LockedCount()
                DispatchQueue.concurrentPerform(iterations: 300) { n in
                    let body: [String: Any] = n % 15 == 0 ? ["amount": "5.00", "account_id": "poor"] : ["amount": String(format: "1.%02d", n % 100)]
                    if let reply = try? UnixHTTPClient.json(socket: socket, "POST", "/v1/orders", body), reply.status == 201 {
                        count.add()
                    }
                }
                continuation.resume(returning: count.value)
            }
        }
        for _ in 0..<3 { _ = try daemon.call("GET", "/v1/orders/no-such-order") }
        #expect(placed == 300)
        return placed
    }

    /// Polls `condition` every 250 ms for at most `timeout`.
    func waitUntil(_ what: String, _ prometheus: PrometheusServer, timeout: Duration = .seconds(20),
                   _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if (try? condition()) == true { return }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("not within \(timeout): \(what)\nprometheus said:\n\(prometheus.log.suffix(2000))")
    }

    /// Each panel target of config/grafana/sagad.json as (panel title, PromQL), with Grafana's
    /// interval variables set to a minute and the template variables to their "All" value.
    static func dashboard() throws -> [(String, String)] {
        let data = try Data(contentsOf: repository.appendingPathComponent("config/grafana/sagad.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var variables = ["__rate_interval": "1m", "__interval": "15s", "__range": "1m"]
        for variable in (json["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? [] {
            if let name = variable["name"] as? String { variables[name] = variable["allValue"] as? String ?? ".*" }
        }
        var panels = json["panels"] as? [[String: Any]] ?? []
        panels += panels.flatMap { $0["panels"] as? [[String: Any]] ?? [] }  // inside collapsed rows
        var targets: [(String, String)] = []
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                guard var expression = target["expr"] as? String else { continue }
                for (name, value) in variables.sorted(by: { $0.key.count > $1.key.count }) {
                    expression = expression.replacingOccurrences(of: "${\(name)}", with: value)
                        .replacingOccurrences(of: "$\(name)", with: value)
                }
                #expect(!expression.contains("$"), "panel '\(panel["title"] ?? "?")' uses an unknown variable: \(expression)")
                targets.append((panel["title"] as? String ?? "?", expression))
            }
        }
        return targets
    }

    @Test func conditionsSplitIntoOperandsWithoutThresholds() {
        #expect(PromQLExpression.conditionOperands(#"up{job="sagad"} == 0"#) == [#"up{job="sagad"}"#])
        #expect(PromQLExpression.conditionOperands(
            #"sum by (group) (lag{group!="x"}) > 100 and sum by (group) (deriv(lag[5m])) > 0"#)
            == [#"sum by (group) (lag{group!="x"})"#, "sum by (group) (deriv(lag[5m]))"])
        #expect(PromQLExpression.conditionOperands("(a or b * 0) / c >= 0.05") == ["(a or b * 0) / c"])
        #expect(PromQLExpression.conditionOperands(#"x{a="and b > 1"} < bool 3"#) == [#"x{a="and b > 1"}"#])
        #expect(PromQLExpression.conditionOperands("a > b") == ["a > b"])
        #expect(PromQLExpression.metricNames(#"rate(sagad_x_total{job="sagad", route="up"}[1m]) / up * process_open_fds"#)
            == ["sagad_x_total", "up", "process_open_fds"])
    }
}

/// A counter for the load's worker threads.
private final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
