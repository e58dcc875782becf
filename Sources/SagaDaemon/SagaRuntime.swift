import CheckoutService
import FulfillmentService
import Foundation
import Logging
import MessageLog
import OrderService
import SagaLog
import SagaMessaging

/// The saga wired together in one process: the log (SagaLog, or KafkaLog on a cluster), its topics, and the three services, each
/// with its own database under `<state>/data/`. `participants` lists them once for everything
/// done per service; `run()` runs their relays, consumers and workers until cancelled. Only
/// `LogBackendSettings` names the backends (to open one); everything else sees the log through the `MessageLog` seam.
public final class SagaRuntime: Sendable {
    public let log: any MessageLog & MessageLogAdmin
    /// Which log `log` is: what the daemon checks before work only SagaLog does (retention).
    public let logBackend: LogBackend
    /// The state directory's lock when the log (which holds it otherwise) is on Kafka.
    private let stateLock: DirectoryLock?
    public let orders: OrderService
    public let checkout: CheckoutService
    public let fulfillment: FulfillmentService
    /// Every service, in the order they are started: what the daemon iterates for per-service work.
    public let participants: [any SagaParticipant]

    public struct Settings: Sendable, Equatable {
        public var stateDirectory: String
        public var log = LogConfiguration()
        /// Partitions of each saga topic; nil: what the topic already has, else 1.
        public var partitions: Int?
        public var order = OrderSettings()
        public var checkout = CheckoutSettings()
        public var fulfillment = FulfillmentSettings()
        public var retry = RetryPolicy()
        /// Which log the saga runs on, and how it reaches a Kafka cluster (`log.backend`, `kafka.*`).
        public var backend = LogBackendSettings()
        /// Where the services keep their state (`state.backend`): only SQLite so far.
        public var stateBackend = StateBackend.sqlite

        public init(stateDirectory: String = "./var") { self.stateDirectory = stateDirectory }
    }

    /// Opens (recovering) the log and the databases and makes sure every topic exists.
    public init(settings: Settings, logger: Logger) throws {
        let data = settings.stateDirectory + "/data"
        logBackend = settings.backend.backend
        let opened = try settings.backend.open(directory: data + "/log", log: settings.log, logger: logger)
        log = opened.log
        stateLock = opened.lock
        do {
            let existing = Dictionary(grouping: log.topicStatistics(), by: \.topic).mapValues(\.count)
            for type in SagaEventType.allCases {
                try log.ensureTopic(type.topic, partitions: settings.partitions ?? existing[type.topic] ?? 1)
                try log.ensureTopic(type.deadLetterTopic, partitions: 1)
            }
            orders = try OrderService(
                databasePath: data + "/orders.sqlite", log: log, settings: settings.order,
                logger: logger.with(service: "order"), retry: settings.retry)
            checkout = try CheckoutService(
                databasePath: data + "/checkout.sqlite", log: log, settings: settings.checkout,
                logger: logger.with(service: "checkout"), retry: settings.retry)
            fulfillment = try FulfillmentService(
                databasePath: data + "/fulfillment.sqlite", log: log, settings: settings.fulfillment,
                logger: logger.with(service: "fulfillment"), retry: settings.retry)
            participants = [orders, checkout, fulfillment]
        } catch {
            try? log.close()
            stateLock?.release()
            throw error
        }
    }

    /// Runs every service until the task is cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for participant in participants {
                group.addTask { await participant.run() }
            }
        }
    }

    /// Closes the log cleanly (after `run` has returned).
    public func close() throws {
        defer { stateLock?.release() }
        try log.close()
    }
}

extension Logger {
    func with(service: String) -> Logger {
        var logger = self
        logger[metadataKey: "service"] = "\(service)"
        return logger
    }
}
