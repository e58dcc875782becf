import Logging
import Prometheus
import SagaMessaging
import Synchronization

/// What the API handlers and the daemon's services share: the running saga, the logger, the
/// metrics registry and the daemon's phase.
public final class DaemonContext: Sendable {
    public enum Phase: String, Sendable {
        case starting, ready, reloading, stopping
    }

    public let runtime: SagaRuntime
    public let metrics: PrometheusCollectorRegistry
    public let logger: Logger
    private let phaseState = Mutex(Phase.starting)

    init(runtime: SagaRuntime, metrics: PrometheusCollectorRegistry, logger: Logger) {
        self.runtime = runtime
        self.metrics = metrics
        self.logger = logger
    }

    public var phase: Phase { phaseState.withLock { $0 } }
    func setPhase(_ phase: Phase) { phaseState.withLock { $0 = phase } }

    /// The consumer loop behind a service's group name.
    func consumer(ofGroup group: String) throws -> EventConsumer {
        switch group {
        case "order": runtime.orders.consumer
        case "checkout": runtime.checkout.consumer
        case "fulfillment": runtime.fulfillment.consumer
        default: throw Problem(.notFound, "no service consumes as group '\(group)'; use order, checkout or fulfillment")
        }
    }

    /// One round trip through every service actor, its database and the log, each bounded by
    /// `timeout`: the liveness behind /healthz and the systemd watchdog.
    func livenessChecks(timeout: Duration = .seconds(2)) async -> [String: String] {
        let runtime = self.runtime
        let checks: [(String, @Sendable () async throws -> Void)] = [
            ("order", { _ = try await runtime.orders.statusCounts() }),
            ("checkout", { _ = try await runtime.checkout.outboxBacklog() }),
            ("fulfillment", { _ = try await runtime.fulfillment.outboxBacklog() }),
            ("log", { _ = runtime.log.topicStatistics() }),
        ]
        return await withTaskGroup(of: (String, String).self) { group in
            for (name, check) in checks {
                group.addTask {
                    await withTaskGroup(of: String?.self) { race in
                        race.addTask {
                            do { try await check(); return "ok" } catch { return "error: \(error)" }
                        }
                        race.addTask {
                            try? await Task.sleep(for: timeout)
                            return Task.isCancelled ? nil : "no answer within \(timeout)"
                        }
                        let first = await race.next() ?? nil
                        race.cancelAll()
                        return (name, first ?? "no answer")
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }
}
