import Foundation
import Logging
import MessageLog
import Metrics
import SagaMessaging
import SagaSystemd
import ServiceLifecycle

/// Runs the saga (relays, consumers, fulfillment work) until graceful shutdown, then lets the
/// in-flight batches finish and closes the log cleanly.
struct SagaRuntimeService: Service {
    let daemon: DaemonContext

    func run() async throws {
        await cancelWhenGracefulShutdown { await daemon.runtime.run() }
        try await daemon.runtime.shutDown()
        daemon.logger.info("saga stopped; log closed cleanly")
    }
}

/// Periodic upkeep: refreshes state gauges and systemd's STATUS line, and enforces the embedded
/// log's retention.
struct MaintenanceService: Service {
    let daemon: DaemonContext
    let notifier: SystemdNotifier

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRetention = ContinuousClock.now
            var holds = RetentionHolds()
            while !Task.isCancelled {
                await MetricsExporter.refresh(daemon)
                if daemon.phase == .ready { _ = notifier.status(await StatusLine.make(daemon)) }
                // Kafka's brokers apply their topics' retention themselves: only SagaLog's runs here.
                if daemon.runtime.logBackend == .embedded, ContinuousClock.now - lastRetention > .seconds(600) {
                    lastRetention = ContinuousClock.now
                    do { holds.report(try daemon.runtime.log.enforceRetention(nowSeconds: nil), logger: daemon.logger) } catch {
                        daemon.logger.error("retention failed", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }
}

/// Tells systemd STOPPING=1 and marks the daemon as stopping as soon as shutdown begins.
/// Listed last in the group so that it hears the shutdown first.
struct ShutdownAnnouncer: Service {
    let daemon: DaemonContext
    let notifier: SystemdNotifier

    func run() async throws {
        try? await gracefulShutdown()
        daemon.setPhase(.stopping)
        _ = notifier.stopping()
        daemon.logger.info("shutting down: draining in-flight work")
    }
}

/// The systemd watchdog, pinging only while every actor and the log answer.
struct WatchdogService: Service {
    let watchdog: SystemdWatchdog

    func run() async throws {
        await cancelWhenGracefulShutdown { await watchdog.run() }
    }
}

/// A one-line summary for `systemctl status`: orders in flight, consumer lag, outbox backlog.
enum StatusLine {
    static func make(_ daemon: DaemonContext) async -> String {
        let runtime = daemon.runtime
        let counts = (try? await runtime.orders.statusCounts()) ?? [:]
        let inFlight = (counts[.created] ?? 0) + (counts[.processing] ?? 0)
        let log = runtime.log
        let lag = await BlockingCall.run { log.groupLag() }.filter { !DeadLetterQueue.isDeadLetterTopic($0.topic) }.reduce(0) { $0 + $1.lag }
        var backlog = 0
        for participant in runtime.participants {
            backlog += (try? await participant.outboxBacklog()) ?? 0
        }
        let finished = counts[.finished] ?? 0
        return "\(inFlight) orders in flight, \(finished) finished; consumer lag \(lag); outbox backlog \(backlog)"
    }
}

/// What retention kept back for consumer groups: a warning per partition each pass it holds,
/// and the gauge `sagad_log_retention_held_bytes` (set back to 0 once the group caught up).
struct RetentionHolds {
    static let metric = "sagad_log_retention_held_bytes"
    private var shown: Set<[String]> = []

    mutating func report(_ outcome: RetentionOutcome, logger: Logger) {
        var now: Set<[String]> = []
        for hold in outcome.held {
            let labels = [hold.topic, "\(hold.partition)", hold.group]
            now.insert(labels)
            Gauge(label: Self.metric, dimensions: Self.dimensions(labels)).record(hold.bytes)
            logger.warning("retention keeps records a consumer group has not consumed", metadata: [
                "topic": "\(hold.topic)", "partition": "\(hold.partition)", "group": "\(hold.group)",
                "needed_from": "\(hold.neededFrom)", "segments": "\(hold.units)", "bytes": "\(hold.bytes)",
            ])
        }
        for labels in shown.subtracting(now) {
            Gauge(label: Self.metric, dimensions: Self.dimensions(labels)).record(0)
        }
        shown = now
    }

    private static func dimensions(_ labels: [String]) -> [(String, String)] {
        [("topic", labels[0]), ("partition", labels[1]), ("group", labels[2])]
    }
}
