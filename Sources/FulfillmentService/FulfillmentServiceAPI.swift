import Logging
import SagaMessaging
import Synchronization

/// What the daemon's API, metrics and reloads ask of the fulfillment service, whichever store
/// keeps its state: `FulfillmentService` on SQLite, `StoredFulfillmentService` on PostgreSQL.
public protocol FulfillmentServiceAPI: HostedService {
    /// The notifications of `orderID` in order, or the latest `limit` of all (newest first).
    func notifications(orderID: String?, limit: Int) async throws -> [NotificationView]
    /// The fulfillment timeout in force.
    var timeout: Duration? { get async }
    func updateSettings(_ settings: FulfillmentSettings) async
}

extension FulfillmentService: FulfillmentServiceAPI {}

/// The fulfillment service on a store reached through its writer alone (`StoreHost`): what runs
/// when the services' state is in PostgreSQL. The same saga step (`FulfillmentService.apply`),
/// work (`FulfillmentWorkers`) and deadline as `FulfillmentService` on SQLite. Each instance
/// works on the orders its own consumer starts; at start it resumes every pending one (those of
/// an instance that died mid-work among them), and an outcome recorded twice counts once.
public final class StoredFulfillmentService<Host: StoreHost>: FulfillmentServiceAPI, HostedOnStore {
    public let host: Host
    private let settings: Mutex<FulfillmentSettings>
    private let workers: FulfillmentWorkers
    private let sweeper = DeadlineSweeper()
    private let logger: Logger
    private let failing: @Sendable (String) -> Bool

    /// `host` must apply `FulfillmentService.apply` and hand its commits to `committed(_:)`.
    /// `failing` makes chosen orders' fulfillment fail whatever the failure rate (for tests).
    public init(host: Host, settings: FulfillmentSettings, logger: Logger,
                failing: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.host = host
        self.failing = failing
        self.settings = Mutex(settings)
        self.logger = logger
        workers = FulfillmentWorkers(settings: settings, logger: logger)
    }

    /// What the host's consumer committed: orders gone processing are worked on.
    public func committed(_ events: [SagaEvent]) {
        workers.start(events.filter { $0.type == .orderProcessing }.map(\.orderID))
    }

    /// Runs the host's relay and consumer, the workers (first on what is pending) and the
    /// deadline sweeper, until cancelled.
    public func run() async {
        await host.run(alongside: {
            let pending: [String]
            do {
                pending = try await self.host.read { db in try FulfillmentQueries.pending(in: db) }
            } catch {
                pending = []
                self.logger.error("cannot read pending fulfillments", metadata: ["error": "\(error)"])
            }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.workers.run(resuming: pending, record: self.record, failing: self.failing) }
                group.addTask { await self.sweeper.run { await self.sweepDeadlines() } }
            }
        })
    }

    private func record(_ orderID: String, failedBecause reason: String?) async throws {
        _ = try await host.writeAndRelay { db in
            try FulfillmentOutcome.record(orderID, failedBecause: reason, at: nowMillis(), in: db)
        }
    }

    public var timeout: Duration? { settings.withLock { $0.timeout } }

    public func updateSettings(_ settings: FulfillmentSettings) async {
        let timeoutChanged = self.settings.withLock { current in
            defer { current = settings }
            return current.timeout != settings.timeout
        }
        await workers.update(settings)
        if timeoutChanged { sweeper.wake() }
    }

    /// Fails every pending fulfillment past its deadline, in batches; returns how many this
    /// instance failed. A failed sweep is logged and left to the next tick.
    @discardableResult
    public func sweepDeadlines(now: Int64 = nowMillis()) async -> Int {
        await FulfillmentDeadlines.sweep(on: host, timeout: timeout, now: now, logger: logger)
    }

    public func notifications(orderID: String?, limit: Int) async throws -> [NotificationView] {
        try await host.read { db in try FulfillmentQueries.notifications(orderID: orderID, limit: limit, in: db) }
    }
}
