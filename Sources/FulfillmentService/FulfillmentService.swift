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
    /// What the work loop hears: orders whose `order_processing` was just committed (from the
    /// consumer) and workers that are done.
    private let signals: AsyncStream<WorkSignal>
    private let signalSink: AsyncStream<WorkSignal>.Continuation
    private let workers = WorkerCount()
    nonisolated var database: DatabasePool { host.database }

    /// Opens fulfillment.sqlite at `databasePath` and subscribes to processing and finished orders.
    /// - Throws: GRDB's error when the database cannot be opened or migrated.
    public init(databasePath: String, log: any MessageLog & MessageLogAdmin, settings: FulfillmentSettings, logger: Logger,
                retry: RetryPolicy = RetryPolicy()) throws {
        self.settings = settings
        self.logger = logger
        let (signals, signalSink) = AsyncStream<WorkSignal>.makeStream()
        (self.signals, self.signalSink) = (signals, signalSink)
        host = try ServiceHost(
            name: "fulfillment", databasePath: databasePath, schema: .fulfillment, consumes: Self.consumedEvents,
            log: log, retry: retry, logger: logger,
            handler: { event, db in try Self.apply(event, in: db) },
            afterCommit: { events in
                let orders = events.filter { $0.type == .orderProcessing }.map(\.orderID)
                if !orders.isEmpty { signalSink.yield(.started(orders)) }
            })
    }

    /// Resumes pending work, then runs the host's relay and consumer, and the workers, until
    /// cancelled; cancellation stops the workers too (their orders stay pending).
    public nonisolated func run() async {
        var pending: [String] = []
        do {
            pending = try await database.read { db in
                try String.fetchAll(db, sql: "SELECT order_id FROM fulfillments WHERE status = 'pending' ORDER BY processing_since")
            }
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
    public func updateSettings(_ settings: FulfillmentSettings) {
        let timeoutChanged = settings.timeout != self.settings.timeout
        self.settings = settings
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
    public nonisolated var liveWorkers: Int { workers.value }

    /// Hands queued orders to at most `maxConcurrentWork` workers, in a discarding task group
    /// so that a finished worker is gone at once, until cancelled (which cancels the workers).
    private func work(resuming pending: [String]) async {
        var queue = FulfillmentWorkQueue()
        for orderID in pending { queue.push(orderID) }
        var running = 0
        let (workers, signalSink) = (self.workers, self.signalSink)
        await withDiscardingTaskGroup { group in
            var signals = self.signals.makeAsyncIterator()
            while true {
                let (limit, duration, failureRate) = (settings.maxConcurrentWork, settings.workDuration, settings.failureRate)
                while running < limit, let orderID = queue.pop() {
                    running += 1
                    workers.add(1)
                    group.addTask {
                        await self.fulfil(orderID, duration: duration, failureRate: failureRate)
                        workers.add(-1)
                        signalSink.yield(.finished(orderID))
                    }
                }
                guard !Task.isCancelled, let signal = await signals.next(isolation: self) else { break }
                switch signal {
                case .started(let orderIDs):
                    for orderID in orderIDs { queue.push(orderID) }
                case .finished(let orderID):
                    running -= 1
                    queue.finished(orderID)
                }
            }
        }
    }

    /// The "time-consuming work", then the outcome committed with its event. A crash before
    /// the commit leaves the fulfillment pending, and it runs again after restart.
    private nonisolated func fulfil(_ orderID: String, duration: Duration, failureRate: Double) async {
        do {
            // A zero duration (benchmarks) neither sleeps nor arms a timer.
            if duration > .zero { try await Task.sleep(for: duration) } else { try Task.checkCancellation() }
        } catch {
            return  // shutting down: stays pending
        }
        // No random draw (a getrandom system call) when nothing can fail.
        let failed = failureRate > 0 && Double.random(in: 0..<1) < failureRate
        var attempt = 0
        while !Task.isCancelled {
            do {
                try await host.writer.write { db in
                    _ = try FulfillmentOutcome.record(
                        orderID, failedBecause: failed ? "fulfillment failed" : nil, at: nowMillis(), in: db)
                }
                host.relay.wake()
                return
            } catch {
                attempt += 1
                var metadata: Logger.Metadata = ["order": "\(orderID)", "error": "\(error)"]
                if let trace = try? await database.read({ db in
                    try String.fetchOne(db, sql: "SELECT traceparent FROM fulfillments WHERE order_id = ?", arguments: [orderID])
                }).flatMap(TraceContext.init(header:)) {
                    metadata["trace_id"] = "\(trace.traceID)"
                }
                logger.error("cannot record fulfillment outcome; retrying", metadata: metadata)
                try? await Task.sleep(for: .milliseconds(min(5000, 50 << min(attempt, 7))))
            }
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

/// A signal to the work loop.
private enum WorkSignal: Sendable {
    /// Orders whose processing was committed: queue them.
    case started([String])
    /// The worker of this order is done.
    case finished(String)
}

/// How many worker tasks are alive, readable from any thread.
private final class WorkerCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }
}
