import GRDB
import Logging
import MessageLog
import SagaMessaging

/// The fulfillment service: owns fulfillment.sqlite. An `order_processing` event records a
/// pending fulfillment durably; the work then runs concurrently for many orders (resumed
/// after a restart) and reports `fulfill_successful` or `fulfill_failed`. It also stores a
/// notification for every finished, failed or canceled order.
public actor FulfillmentService: SagaParticipant {
    public static let consumedEvents: [SagaEventType] = [.orderProcessing, .orderFinished, .orderFailed, .orderCanceled]

    public nonisolated let host: ServiceHost
    private let logger: Logger
    private var settings: FulfillmentSettings
    private var queued: [String] = []
    private var queuedSet: Set<String> = []
    private var running = 0
    /// Orders whose `order_processing` was just committed, from the consumer to the workers.
    private let started: AsyncStream<[String]>
    private var workers: [Task<Void, Never>] = []
    private nonisolated var database: DatabasePool { host.database }

    /// Opens fulfillment.sqlite at `databasePath` and subscribes to processing and finished orders.
    /// - Throws: GRDB's error when the database cannot be opened or migrated.
    public init(databasePath: String, log: any MessageLog & MessageLogAdmin, settings: FulfillmentSettings, logger: Logger,
                retry: RetryPolicy = RetryPolicy()) throws {
        self.settings = settings
        self.logger = logger
        let (started, startedSink) = AsyncStream<[String]>.makeStream()
        self.started = started
        host = try ServiceHost(
            name: "fulfillment", databasePath: databasePath, schema: .fulfillment, consumes: Self.consumedEvents,
            log: log, retry: retry, logger: logger,
            handler: { event, db in try Self.apply(event, in: db) },
            afterCommit: { events in
                let orders = events.filter { $0.type == .orderProcessing }.map(\.orderID)
                if !orders.isEmpty { startedSink.yield(orders) }
            })
    }

    /// Resumes pending work, then runs the host's relay and consumer, and the workers, until cancelled.
    public nonisolated func run() async {
        do {
            let pending = try await database.read { db in
                try String.fetchAll(db, sql: "SELECT order_id FROM fulfillments WHERE status = 'pending' ORDER BY created_at")
            }
            if !pending.isEmpty {
                logger.info("resuming pending fulfillments", metadata: ["count": "\(pending.count)"])
                await enqueueWork(pending)
            }
        } catch {
            logger.error("cannot read pending fulfillments", metadata: ["error": "\(error)"])
        }
        await host.run {
            for await orders in self.started {
                if Task.isCancelled { break }
                await self.enqueueWork(orders)
            }
        }
        await cancelWork()
    }

    public func updateSettings(_ settings: FulfillmentSettings) { self.settings = settings }

    // MARK: Events

    static func apply(_ event: SagaEvent, in db: Database) throws {
        let now = nowMillis()
        switch event.type {
        case .orderProcessing:
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO fulfillments (id, order_id, status, created_at, updated_at)
                    VALUES (?, ?, 'pending', ?, ?)
                    """,
                arguments: [SortableID.make(), event.orderID, now, now])
        case .orderFinished, .orderFailed, .orderCanceled:
            let (kind, message): (String, String) = switch event.type {
            case .orderFinished: ("finished", "Your order \(event.orderID) has been fulfilled.")
            case .orderFailed: ("failed", "Your order \(event.orderID) failed: \(event.reason ?? "unknown reason").")
            default: ("canceled", "Your order \(event.orderID) was canceled.")
            }
            try db.execute(
                sql: "INSERT INTO notifications (order_id, kind, message, at) VALUES (?, ?, ?, ?)",
                arguments: [event.orderID, kind, message, now])
        default:
            break
        }
    }

    // MARK: Work

    private func enqueueWork(_ orderIDs: [String]) {
        for id in orderIDs where queuedSet.insert(id).inserted { queued.append(id) }
        startWorkers()
    }

    private func startWorkers() {
        while running < settings.maxConcurrentWork, !queued.isEmpty {
            let orderID = queued.removeFirst()
            running += 1
            let (duration, failureRate) = (settings.workDuration, settings.failureRate)
            workers.append(Task { [weak self] in
                guard let self else { return }
                await self.fulfil(orderID, duration: duration, failureRate: failureRate)
                await self.workFinished(orderID)
            })
        }
        if workers.count > 4 * settings.maxConcurrentWork { workers.removeAll { $0.isCancelled } }
    }

    private func workFinished(_ orderID: String) {
        running -= 1
        queuedSet.remove(orderID)
        startWorkers()
    }

    private func cancelWork() {
        for worker in workers { worker.cancel() }
        workers.removeAll()
    }

    /// The "time-consuming work", then the outcome committed with its event. A crash before
    /// the commit leaves the fulfillment pending, and it runs again after restart.
    private nonisolated func fulfil(_ orderID: String, duration: Duration, failureRate: Double) async {
        do {
            try await Task.sleep(for: duration)
        } catch {
            return  // shutting down: stays pending
        }
        let failed = Double.random(in: 0..<1) < failureRate
        var attempt = 0
        while !Task.isCancelled {
            do {
                try await database.write { db in
                    try db.execute(
                        sql: "UPDATE fulfillments SET status = ?, reason = ?, updated_at = ? WHERE order_id = ? AND status = 'pending'",
                        arguments: [failed ? "failed" : "successful", failed ? "fulfillment failed" : nil, nowMillis(), orderID])
                    guard db.changesCount == 1 else { return }
                    try Outbox.enqueue(SagaEvent(
                        type: failed ? .fulfillFailed : .fulfillSuccessful, orderID: orderID,
                        reason: failed ? "fulfillment failed" : nil), in: db)
                }
                host.relay.wake()
                return
            } catch {
                attempt += 1
                logger.error("cannot record fulfillment outcome; retrying", metadata: ["order": "\(orderID)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(5000, 50 << min(attempt, 7))))
            }
        }
    }

    // MARK: Queries

    public func notifications(orderID: String?, limit: Int = 100) async throws -> [NotificationView] {
        try await database.read { db in
            let rows = if let orderID {
                try Row.fetchAll(db, sql: "SELECT * FROM notifications WHERE order_id = ? ORDER BY id LIMIT ?", arguments: [orderID, limit])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM notifications ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
            return rows.map {
                NotificationView(id: $0["id"], orderID: $0["order_id"], kind: $0["kind"], message: $0["message"], atMillis: $0["at"])
            }
        }
    }

    public func fulfillmentStatus(orderID: String) async throws -> FulfillmentStatus? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM fulfillments WHERE order_id = ?", arguments: [orderID])
                .flatMap(FulfillmentStatus.init(rawValue:))
        }
    }
}
