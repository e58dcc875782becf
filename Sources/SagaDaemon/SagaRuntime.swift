import CheckoutService
import FulfillmentService
import Foundation
import Logging
import MessageLog
import OrderService
import SagaLog
import SagaMessaging

/// The saga wired together in one process: the log, its topics, and the three services, each
/// with its own database under `<state>/data/`. `participants` lists them once for everything
/// done per service; `run()` runs their relays, consumers and workers until cancelled. Only
/// `init` names SagaLog (to open it); everything else sees the log through the `MessageLog` seam.
public final class SagaRuntime: Sendable {
    public let log: any MessageLog & MessageLogAdmin
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

        public init(stateDirectory: String = "./var") { self.stateDirectory = stateDirectory }
    }

    /// Opens (recovering) the log and the databases and makes sure every topic exists.
    public init(settings: Settings, logger: Logger) throws {
        let data = settings.stateDirectory + "/data"
        log = try SagaLog.open(directory: data + "/log", configuration: settings.log, logger: logger)
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
    public func close() throws { try log.close() }
}

extension Logger {
    func with(service: String) -> Logger {
        var logger = self
        logger[metadataKey: "service"] = "\(service)"
        return logger
    }
}
