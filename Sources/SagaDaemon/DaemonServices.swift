import Foundation
import Logging
import SagaMessaging
import SagaSystemd
import ServiceLifecycle

/// Runs the saga (relays, consumers, fulfillment work) until graceful shutdown, then lets the
/// in-flight batches finish and closes the log cleanly.
struct SagaRuntimeService: Service {
    let daemon: DaemonContext

    func run() async throws {
        await cancelWhenGracefulShutdown { await daemon.runtime.run() }
        try daemon.runtime.close()
        daemon.logger.info("saga stopped; log closed cleanly")
    }
}

/// Periodic upkeep: refreshes state gauges and systemd's STATUS line, and enforces retention.
struct MaintenanceService: Service {
    let daemon: DaemonContext
    let notifier: SystemdNotifier

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRetention = ContinuousClock.now
            while !Task.isCancelled {
                await MetricsExporter.refresh(daemon)
                if daemon.phase == .ready { _ = notifier.status(await StatusLine.make(daemon)) }
                if ContinuousClock.now - lastRetention > .seconds(600) {
                    lastRetention = ContinuousClock.now
                    do { try daemon.runtime.log.enforceRetention(nowSeconds: nil) } catch {
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
        let lag = runtime.log.groupLag().filter { !DeadLetterQueue.isDeadLetterTopic($0.topic) }.reduce(0) { $0 + $1.lag }
        var backlog = 0
        for participant in runtime.participants {
            backlog += (try? await participant.host.outboxBacklog()) ?? 0
        }
        let finished = counts[.finished] ?? 0
        return "\(inFlight) orders in flight, \(finished) finished; consumer lag \(lag); outbox backlog \(backlog)"
    }
}
