import Metrics
import OrderService
import Prometheus
import SagaMessaging

/// Gauges that describe state rather than events (lag, backlogs, orders per status); they
/// are recomputed whenever `/metrics` is scraped and by the daemon's maintenance loop.
enum MetricsExporter {
    /// Installs Prometheus as the swift-metrics backend; call once per process.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// `# HELP` text per metric; swift-metrics has no place for it, so it is added to the
    /// exposition here (promtool requires it).
    static let help: [String: String] = [
        SagaMetrics.ordersCreated: "Orders placed, by outcome (accepted, replayed).",
        SagaMetrics.ordersTerminal: "Orders that reached a terminal status, by status.",
        SagaMetrics.stepLatency: "Seconds from an event's creation to its handler's commit, by saga step.",
        SagaMetrics.eventsHandled: "Events applied by a service, by service and event type.",
        SagaMetrics.handlerRetries: "Handler attempts that failed and were retried, by service.",
        SagaMetrics.deadLetters: "Records sent to a dead-letter topic, by original topic.",
        SagaMetrics.outboxBacklog: "Outbox rows not yet appended to the log, by service.",
        SagaMetrics.consumerLag: "Records a consumer group has not yet consumed, by group, topic and partition.",
        "sagad_orders": "Orders by current status.",
        "sagad_log_end_offset": "Next offset of each log partition.",
        "sagad_log_bytes": "Bytes on disk of each log partition.",
        "sagad_log_stalled_reads": "Partitions a consumer group cannot read on (a damaged record, or records deleted before it consumed them).",
        RetentionHolds.metric: "Bytes retention would delete but keeps because a consumer group has not consumed them.",
    ]

    /// The registry's text with a `# HELP` line before every `# TYPE` line that lacks one.
    static func exposition(_ registry: PrometheusCollectorRegistry) -> String {
        var lines: [Substring] = []
        var previous: Substring = ""
        for line in registry.emitToString().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), !previous.hasPrefix("# HELP ") {
                let name = line.dropFirst("# TYPE ".count).split(separator: " ").first.map(String.init) ?? ""
                lines.append(Substring("# HELP \(name) \(help[name] ?? "sagad metric \(name).")"))
            }
            lines.append(line)
            previous = line
        }
        return lines.joined(separator: "\n")
    }

    static func refresh(_ daemon: DaemonContext) async {
        let runtime = daemon.runtime
        for row in runtime.log.groupLag() {
            Gauge(label: SagaMetrics.consumerLag, dimensions: [
                ("group", row.group), ("topic", row.topic), ("partition", "\(row.partition)"),
            ]).record(row.lag)
        }
        for participant in runtime.participants {
            if let backlog = try? await participant.host.outboxBacklog() {
                Gauge(label: SagaMetrics.outboxBacklog, dimensions: [("service", participant.host.name)]).record(backlog)
            }
        }
        if let counts = try? await runtime.orders.statusCounts() {
            for status in OrderStatus.allCases {
                Gauge(label: "sagad_orders", dimensions: [("status", status.rawValue)]).record(counts[status] ?? 0)
            }
        }
        Gauge(label: "sagad_log_stalled_reads").record(runtime.log.stalledReads.count)
        for stats in runtime.log.topicStatistics() {
            Gauge(label: "sagad_log_end_offset", dimensions: [("topic", stats.topic), ("partition", "\(stats.partition)")])
                .record(stats.endOffset)
            Gauge(label: "sagad_log_bytes", dimensions: [("topic", stats.topic), ("partition", "\(stats.partition)")])
                .record(stats.bytes)
        }
    }
}
