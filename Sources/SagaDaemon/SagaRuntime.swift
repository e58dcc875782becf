import CheckoutService
import FulfillmentService
import Foundation
import Logging
import MessageLog
import OrderService
import SagaLog
import SagaMessaging
import SagaPostgres
import ServiceStorePostgres

/// The saga wired together in one process: the log (SagaLog, or KafkaLog on a cluster), its
/// topics, and the three services, each with its own database under `<state>/data/` or its own
/// schema in a PostgreSQL database shared with other instances. `participants` lists them once
/// for everything done per service; `run()` runs their relays, consumers and workers until
/// cancelled. Only `LogBackendSettings` and this type name the backends (to open one);
/// everything else sees the log through the `MessageLog` seam and the services through their
/// API protocols.
public final class SagaRuntime: Sendable {
    public let log: any MessageLog & MessageLogAdmin
    /// Which log `log` is: what the daemon checks before work only SagaLog does (retention).
    public let logBackend: LogBackend
    /// The state directory's lock when the log (which holds it otherwise) is on Kafka.
    private let stateLock: DirectoryLock?
    public let orders: any OrderServiceAPI
    public let checkout: any CheckoutServiceAPI
    public let fulfillment: any FulfillmentServiceAPI
    /// Every service, in the order they are started: what the daemon iterates for per-service work.
    public let participants: [any HostedService]
    /// The services on PostgreSQL (`state.backend: postgres`), else nil.
    public let postgres: PostgresSagaInstance?
    /// Where the services keep their state.
    public var stateBackend: StateBackend { postgres == nil ? .sqlite : .postgres }

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
        /// Where the services keep their state (`state.backend`).
        public var stateBackend = StateBackend.sqlite
        /// The database of `state.backend: postgres` (`postgres.url`).
        public var postgresURL: String?

        public init(stateDirectory: String = "./var") { self.stateDirectory = stateDirectory }
    }

    /// Opens (recovering) the log and the services' state, SQLite's databases or PostgreSQL's
    /// schemas (migrating them), and makes sure every topic exists.
    /// - Throws: the log's, a database's or the server's error.
    public static func open(settings: Settings, logger: Logger) async throws -> SagaRuntime {
        guard settings.stateBackend == .postgres else { return try SagaRuntime(settings: settings, logger: logger) }
        let (log, lock) = try openLog(settings, logger: logger)
        var store: PostgresStore?
        do {
            let opened = try PostgresStore(url: settings.postgresURL ?? "", logger: logger)
            store = opened
            var services = PostgresSagaInstance.Settings()
            (services.order, services.checkout, services.fulfillment, services.retry) =
                (settings.order, settings.checkout, settings.fulfillment, settings.retry)
            let instance = try await PostgresSagaInstance(store: opened, log: log, settings: services, logger: logger)
            return SagaRuntime(
                log: log, backend: settings.backend.backend, lock: lock,
                services: (instance.orders, instance.checkout, instance.fulfillment), postgres: instance)
        } catch {
            await store?.close()
            try? log.close()
            lock?.release()
            throw error
        }
    }

    /// Opens (recovering) the log and the SQLite databases under `<state>/data` and makes sure
    /// every topic exists; `open` opens any state backend.
    /// - Throws: the log's or a database's error, or `ConfigurationError` for another backend.
    public convenience init(settings: Settings, logger: Logger) throws {
        guard settings.stateBackend == .sqlite else {
            throw ConfigurationError(key: "state.backend", reason: "is opened with SagaRuntime.open")
        }
        let data = settings.stateDirectory + "/data"
        let (log, lock) = try Self.openLog(settings, logger: logger)
        do {
            let orders = try OrderService(
                databasePath: data + "/orders.sqlite", log: log, settings: settings.order,
                logger: logger.with(service: "order"), retry: settings.retry)
            let checkout = try CheckoutService(
                databasePath: data + "/checkout.sqlite", log: log, settings: settings.checkout,
                logger: logger.with(service: "checkout"), retry: settings.retry)
            let fulfillment = try FulfillmentService(
                databasePath: data + "/fulfillment.sqlite", log: log, settings: settings.fulfillment,
                logger: logger.with(service: "fulfillment"), retry: settings.retry)
            self.init(log: log, backend: settings.backend.backend, lock: lock, services: (orders, checkout, fulfillment),
                      postgres: nil)
        } catch {
            try? log.close()
            lock?.release()
            throw error
        }
    }

    private init(
        log: any MessageLog & MessageLogAdmin, backend: LogBackend, lock: DirectoryLock?,
        services: (any OrderServiceAPI, any CheckoutServiceAPI, any FulfillmentServiceAPI), postgres: PostgresSagaInstance?
    ) {
        self.log = log
        logBackend = backend
        stateLock = lock
        (orders, checkout, fulfillment) = services
        participants = [services.0, services.1, services.2]
        self.postgres = postgres
    }

    /// Opens the log and makes sure every saga topic and its dead-letter topic exist.
    private static func openLog(_ settings: Settings, logger: Logger) throws
        -> (log: any MessageLog & MessageLogAdmin, lock: DirectoryLock?)
    {
        let opened = try settings.backend.open(directory: settings.stateDirectory + "/data/log", log: settings.log, logger: logger)
        do {
            let existing = Dictionary(grouping: opened.log.topicStatistics(), by: \.topic).mapValues(\.count)
            for type in SagaEventType.allCases {
                try opened.log.ensureTopic(type.topic, partitions: settings.partitions ?? existing[type.topic] ?? 1)
                try opened.log.ensureTopic(type.deadLetterTopic, partitions: 1)
            }
        } catch {
            try? opened.log.close()
            opened.lock?.release()
            throw error
        }
        return (opened.log, opened.lock)
    }

    /// Runs every service until the task is cancelled.
    public func run() async {
        if let postgres { return await postgres.run() }
        await withTaskGroup(of: Void.self) { group in
            for participant in participants {
                group.addTask { await participant.run() }
            }
        }
    }

    /// Closes the services' PostgreSQL connections, if any, and then the log (after `run` has returned).
    public func shutDown() async throws {
        if let postgres {
            await postgres.close()
            await postgres.store.close()
        }
        try close()
    }

    /// Closes the log cleanly (after `run` has returned): all there is to close on SQLite.
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
