import GRDB
import Logging
import MessageLog
import SagaMessaging
import Synchronization

/// The fulfillment service: owns fulfillment.sqlite. An `order_processing` event records a
/// pending fulfillment durably; the work then runs concurrently for many orders (resumed
/// after a restart) and reports `fulfill_successful` or `fulfill_failed`. It also stores a
/// notification for every finished, failed or canceled order.
public actor FulfillmentService: SagaParticipant {
    public static let consumedEvents: [SagaEventType] = [.orderProcessing, .orderFinished, .orderFailed, .orderCanceled]

    public nonisolated let host: ServiceHost
    private let logger: Logger
    private var settings: FulfillmentSettings
    /// Wakes every second (and on a reload) to fail fulfillments past their deadline.
    nonisolated let sweeper = DeadlineSweeper()
    /// The work on orders whose `order_processing` was committed (from the consumer).
    private let workers: FulfillmentWorkers
    nonisolated var database: DatabasePool { host.database }

    /// Opens fulfillment.sqlite at `databasePath` and subscribes to processing and finished orders.
    /// - Throws: GRDB's error when the database cannot be opened or migrated.
    public init(databasePath: String, log: any MessageLog & MessageLogAdmin, settings: FulfillmentSettings, logger: Logger,
                retry: RetryPolicy = RetryPolicy()) throws {
        self.settings = settings
        self.logger = logger
        let workers = FulfillmentWorkers(settings: settings, logger: logger)
        self.workers = workers
        host = try ServiceHost(
            name: "fulfillment", databasePath: databasePath, schema: .fulfillment, consumes: Self.consumedEvents,
            log: log, retry: retry, logger: logger,
            handler: { event, db in try Self.apply(event, in: db) },
            afterCommit: { events in
                workers.start(events.filter { $0.type == .orderProcessing }.map(\.orderID))
            })
    }

    /// Resumes pending work, then runs the host's relay and consumer, and the workers, until
    /// cancelled; cancellation stops the workers too (their orders stay pending).
    public nonisolated func run() async {
        var pending: [String] = []
        do {
            pending = try await database.read { db in try FulfillmentQueries.pending(in: db) }
            if !pending.isEmpty { logger.info("resuming pending fulfillments", metadata: ["count": "\(pending.count)"]) }
        } catch {
            logger.error("cannot read pending fulfillments", metadata: ["error": "\(error)"])
        }
        let resumed = pending
        await host.run {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.work(resuming: resumed) }
                group.addTask { await self.sweeper.run { await self.sweepDeadlines() } }
            }
        }
    }

    /// Applies reloaded settings; a changed timeout is swept for at once.
    public func updateSettings(_ settings: FulfillmentSettings) async {
        let timeoutChanged = settings.timeout != self.settings.timeout
        self.settings = settings
        await workers.update(settings)
        if timeoutChanged { sweeper.wake() }
    }

    /// The fulfillment timeout in force.
    public var timeout: Duration? { settings.timeout }

    // MARK: Events

    /// Fulfillment's saga step, inside the consumer's transaction: a pending fulfillment for an
    /// order gone processing (once), a notification for an order that settled. Written once
    /// for SQLite and PostgreSQL (`SQLSession`).
    public static func apply<Session: SQLSession>(_ event: SagaEvent, in db: Session) throws {
        let now = nowMillis()
        switch event.type {
        case .orderProcessing:
            try db.run(
                """
                INSERT OR IGNORE INTO fulfillments (id, order_id, status, created_at, updated_at, traceparent, processing_since)
                VALUES (?, ?, 'pending', ?, ?, ?, ?)
                """
            ) {
                $0.bind(SortableID.make())
                $0.bind(event.orderID)
                $0.bind(now)
                $0.bind(now)
                $0.bind(event.trace?.header)
                $0.bind(min(event.occurredAtMillis, now))
            }
        case .orderFinished, .orderFailed, .orderCanceled:
            let (kind, message): (String, String) = switch event.type {
            case .orderFinished: ("finished", "Your order \(event.orderID) has been fulfilled.")
            case .orderFailed: ("failed", "Your order \(event.orderID) failed: \(event.reason ?? "unknown reason").")
            default: ("canceled", "Your order \(event.orderID) was canceled.")
            }
            try db.run("INSERT INTO notifications (order_id, kind, message, at) VALUES (?, ?, ?, ?)") {
                $0.bind(event.orderID)
                $0.bind(kind)
                $0.bind(message)
                $0.bind(now)
            }
        default:
            break
        }
    }

    // MARK: Work

    /// Worker tasks alive right now: at most `maxConcurrentWork` (a reload that lowers it
    /// lets the surplus finish). A finished worker leaves nothing behind.
    public nonisolated var liveWorkers: Int { workers.live }

    /// Works on `pending` and every order the consumer starts, until cancelled. An outcome is
    /// committed with its event; a crash before the commit leaves the fulfillment pending, and
    /// it runs again after restart.
    private nonisolated func work(resuming pending: [String]) async {
        let (host, database) = (self.host, self.database)
        await workers.run(resuming: pending) { orderID, reason in
            try await host.writer.write { db in
                _ = try FulfillmentOutcome.record(orderID, failedBecause: reason, at: nowMillis(), in: db)
            }
            host.relay.wake()
        } describe: { orderID in
            let trace = try? await database.read { db in
                try String.fetchOne(db, sql: "SELECT traceparent FROM fulfillments WHERE order_id = ?", arguments: [orderID])
            }.flatMap(TraceContext.init(header:))
            return trace.map { ["trace_id": "\($0.traceID)"] } ?? [:]
        }
    }

    // MARK: Queries

    public func notifications(orderID: String?, limit: Int = 100) async throws -> [NotificationView] {
        try await database.read { db in try FulfillmentQueries.notifications(orderID: orderID, limit: limit, in: db) }
    }

    public func fulfillmentStatus(orderID: String) async throws -> FulfillmentStatus? {
        try await database.read { db in try FulfillmentQueries.status(orderID: orderID, in: db) }
    }
}
