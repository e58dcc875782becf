import Foundation
import MessageLog
import Metrics
import OrderService
import Prometheus
import SagaLog
import SagaMessaging

/// Gauges that describe state rather than events (lag, backlogs, orders per status); they
/// are recomputed whenever `/metrics` is scraped and by the daemon's maintenance loop.
enum MetricsExporter {
    static let ordersInFlightOldestAge = "sagad_orders_in_flight_oldest_age_seconds"
    static let deadLettersPending = "sagad_dead_letters_pending"
    static let logFsync = "sagad_log_fsync_duration_seconds"
    static let stateDirBytes = "sagad_state_dir_bytes"
    static let stateFilesystemAvailable = "sagad_state_filesystem_avail_bytes"
    static let stateFilesystemSize = "sagad_state_filesystem_size_bytes"

    /// Installs Prometheus as the swift-metrics backend and times the log's syncs; call once
    /// per process.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        // Syncs and API answers take microseconds to milliseconds; an order seconds to minutes.
        let fast: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.durationHistogramBuckets = [
            logFsync: fast, SagaMetrics.databaseCommit: fast, RequestMetricsMiddleware.duration: fast,
            SagaMetrics.orderSettle: [
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
                .seconds(120), .seconds(300), .seconds(900), .seconds(3600),
            ],
        ]
        MetricsSystem.bootstrap(factory)
        let syncTimers = Dictionary(uniqueKeysWithValues: LogSyncKind.allCases.map {
            ($0, Timer(label: logFsync, dimensions: [("file", $0.rawValue)]))
        })
        LogSyncObserver.install { kind, duration in syncTimers[kind]?.record(duration: duration) }
        return registry
    }

    /// Exports at 0 the series whose labels are known before anything happens (Prometheus'
    /// `rate()` misses the first increments of a series that appears only with them).
    static func initializeSeries(_ runtime: SagaRuntime) {
        for outcome in ["accepted", "overloaded", "replayed"] {
            _ = Counter(label: SagaMetrics.ordersCreated, dimensions: [("outcome", outcome)])
        }
        for status in OrderStatus.allCases where status.isTerminal {
            _ = Counter(label: SagaMetrics.ordersTerminal, dimensions: [("status", status.rawValue)])
            _ = Timer(label: SagaMetrics.orderSettle, dimensions: [("status", status.rawValue)])
        }
        for file in runtime.participants.compactMap(\.databaseFile) {
            SagaMetrics.commitTimer(file)
        }
        for step in ["payment", "fulfillment"] {
            _ = Counter(label: SagaMetrics.orderTimeouts, dimensions: [("step", step)])
        }
    }

    /// `# HELP` text per metric; swift-metrics has no place for it, so it is added to the
    /// exposition here (promtool requires it).
    static let help: [String: String] = [
        SagaMetrics.ordersCreated: "Orders placed, by outcome (accepted, overloaded, replayed).",
        SagaMetrics.ordersTerminal: "Orders that reached a terminal status, by status.",
        SagaMetrics.orderSettle: "Seconds from an order's creation to each terminal status it reaches, by status (a failed order that was charged counts again at refunded).",
        SagaMetrics.stepLatency: "Seconds from an event's creation to its handler's commit, by saga step.",
        SagaMetrics.eventsHandled: "Events applied by a service, by service and event type.",
        SagaMetrics.handlerRetries: "Handler attempts that failed and were retried, by service.",
        SagaMetrics.deadLetters: "Records sent to a dead-letter topic, by original topic.",
        SagaMetrics.outboxBacklog: "Outbox rows not yet appended to the log, by service.",
        SagaMetrics.consumerLag: "Records a consumer group has not yet consumed, by group, topic and partition.",
        SagaMetrics.databaseCommit: "Seconds of each group-commit transaction of a service database, its WAL fsync included; the count is the commits.",
        RequestMetricsMiddleware.requests: "API requests answered, by route (path template), method and status code.",
        RequestMetricsMiddleware.duration: "Seconds to answer an API request, by route, method and status class; long polls (?wait=) are not timed.",
        logFsync: "Seconds of each fsync of the log's files, by file kind (segment, offsets, directory, other); the count is the fsyncs.",
        SagaMetrics.orderTimeouts: "Orders ended by a deadline, by step (payment: canceled while created; fulfillment: failed and refunded while processing).",
        SagaMetrics.ordersOverdue: "Orders past their step's deadline (order.payment_timeout, fulfillment.timeout) that no sweep has ended yet, by step; 0 while a timeout is off.",
        ordersInFlightOldestAge: "Seconds the longest-waiting order of an in-flight status has been in it (0 when none is).",
        deadLettersPending: "Dead letters not yet replayed, by original topic.",
        stateDirBytes: "Bytes allocated to the files under the state directory.",
        stateFilesystemAvailable: "Bytes still available to sagad on the state directory's filesystem.",
        stateFilesystemSize: "Size in bytes of the state directory's filesystem.",
        "sagad_orders": "Orders by current status.",
        "sagad_log_end_offset": "Next offset of each log partition.",
        "sagad_log_bytes": "Bytes on disk of each log partition.",
        "sagad_log_stalled_reads": "Partitions a consumer group cannot read on (a damaged record, or records deleted before it consumed them).",
        RetentionHolds.metric: "Bytes retention would delete but keeps because a consumer group has not consumed them.",
    ]

    /// The registry's text with a `# HELP` line before every `# TYPE` line that lacks one,
    /// followed by the process metrics.
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
        var text = lines.joined(separator: "\n")
        if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
        return text + ProcessMetrics.exposition()
    }

    static func refresh(_ daemon: DaemonContext) async {
        let runtime = daemon.runtime
        let log = runtime.log
        let lag = await BlockingCall.run { log.groupLag() }
        for row in lag {
            Gauge(label: SagaMetrics.consumerLag, dimensions: [
                ("group", row.group), ("topic", row.topic), ("partition", "\(row.partition)"),
            ]).record(row.lag)
        }
        for participant in runtime.participants {
            if let backlog = try? await participant.outboxBacklog() {
                Gauge(label: SagaMetrics.outboxBacklog, dimensions: [("service", participant.name)]).record(backlog)
            }
        }
        if let counts = try? await runtime.orders.statusCounts() {
            for status in OrderStatus.allCases {
                Gauge(label: "sagad_orders", dimensions: [("status", status.rawValue)]).record(counts[status] ?? 0)
            }
        }
        if let oldest = try? await runtime.orders.oldestInFlight() {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for status in OrderStatus.allCases where !status.isTerminal {
                let age = oldest[status].map { Double(max(0, now - $0)) / 1000 } ?? 0
                Gauge(label: ordersInFlightOldestAge, dimensions: [("status", status.rawValue)]).record(age)
            }
        }
        if let overdue = try? await runtime.orders.overdueOrders(fulfillmentTimeout: await runtime.fulfillment.timeout, now: nowMillis()) {
            Gauge(label: SagaMetrics.ordersOverdue, dimensions: [("step", "payment")]).record(overdue.payment)
            Gauge(label: SagaMetrics.ordersOverdue, dimensions: [("step", "fulfillment")]).record(overdue.fulfillment)
        }
        Gauge(label: "sagad_log_stalled_reads").record(runtime.log.stalledReads.count)
        let statistics = await BlockingCall.run { log.topicStatistics() }
        for stats in statistics {
            Gauge(label: "sagad_log_end_offset", dimensions: [("topic", stats.topic), ("partition", "\(stats.partition)")])
                .record(stats.endOffset)
            Gauge(label: "sagad_log_bytes", dimensions: [("topic", stats.topic), ("partition", "\(stats.partition)")])
                .record(stats.bytes)
        }
        for (topic, pending) in pendingDeadLetters(statistics, lag: lag) {
            Gauge(label: deadLettersPending, dimensions: [("topic", topic)]).record(pending)
        }
        if let directory = daemon.stateDirectory, let usage = StateDiskUsage.measure(directory) {
            Gauge(label: stateDirBytes).record(usage.usedBytes)
            Gauge(label: stateFilesystemAvailable).record(usage.availableBytes)
            Gauge(label: stateFilesystemSize).record(usage.sizeBytes)
        }
    }

    /// Dead letters not yet replayed per original topic: each dead-letter partition's records
    /// past what the replay group consumed. Every saga topic gets a value (0 without a
    /// dead-letter topic), so the alert on it always has a series to look at.
    static func pendingDeadLetters(_ statistics: [PartitionStatistics], lag: [GroupPartitionLag]) -> [String: Int64] {
        var pending: [String: Int64] = [:]
        for stats in statistics where !DeadLetterQueue.isDeadLetterTopic(stats.topic) {
            pending[stats.topic] = 0
        }
        for stats in statistics {
            guard let original = DeadLetterQueue.originalTopic(of: stats.topic) else { continue }
            let replayed = lag.first {
                $0.group == DeadLetterQueue.replayGroup && $0.topic == stats.topic && $0.partition == stats.partition
            }?.committedOffset ?? stats.startOffset
            pending[original, default: 0] += max(0, stats.endOffset - max(replayed, stats.startOffset))
        }
        return pending
    }
}
