import Foundation
import GRDB
import Logging
import MessageLog
import Metrics
import SagaMessaging

/// The order service: owns orders.sqlite, places and cancels orders, and moves them through
/// the saga as checkout and fulfillment report back. Talks to the others only via the log.
public actor OrderService: SagaParticipant {
    public static let consumedEvents: [SagaEventType] = [
        .checkoutSuccessful, .checkoutFailed, .fulfillSuccessful, .fulfillFailed, .checkoutRefunded,
    ]

    public nonisolated let host: ServiceHost
    private(set) var settings: OrderSettings
    nonisolated let changes = KeyedChangeSignal()
    /// The changes that may have settled an order (all but a payment captured, which only moves
    /// it to processing): what a poll for the settled order waits on, so that it is not woken,
    /// and its order's view not read for it, at every step on the way.
    nonisolated let settlements = KeyedChangeSignal()
    /// Views of awaited orders read right after their change, for the long polls it wakes.
    nonisolated let publishedViews = PublishedOrderViews()
    /// Wakes every second (and on a reload) to cancel orders past their payment deadline.
    nonisolated let sweeper = DeadlineSweeper()
    nonisolated var database: DatabasePool { host.database }
    nonisolated var relay: OutboxRelay { host.relay }

    /// Opens orders.sqlite at `databasePath` and subscribes to what checkout and fulfillment report.
    /// - Throws: GRDB's error when the database cannot be opened or migrated.
    public init(databasePath: String, log: any MessageLog & MessageLogAdmin, settings: OrderSettings, logger: Logger,
                retry: RetryPolicy = RetryPolicy()) throws {
        self.settings = settings
        let (changes, settlements, publishedViews) = (self.changes, self.settlements, self.publishedViews)
        host = try ServiceHost(
            name: "order", databasePath: databasePath, schema: .orders, consumes: Self.consumedEvents,
            log: log, retry: retry, logger: logger,
            handler: { event, db in try OrderTransitions.apply(event, in: db) },
            afterCommit: { events in
                publishedViews.notifyChanged(
                    Set(events.map(\.orderID)), settling: Set(events.lazy.filter(\.mayHaveSettled).map(\.orderID)),
                    changes: changes, settlements: settlements)
            })
        publishedViews.attach(host.database)
    }

    // MARK: Commands

    /// Places an order; with no amount a random one in the configured range, with no account
    /// the default one. A repeated idempotency key returns the first order.
    public func placeOrder(amountCents: Int64?, accountID: String?, idempotencyKey: String?) async throws -> OrderView {
        try await place(amountCents: amountCents, accountID: accountID, idempotencyKey: idempotencyKey).order
    }

    /// `placeOrder`, also telling whether the idempotency key returned an earlier order. The
    /// order is kept with `trace` (a new trace when nil), and its events carry it.
    public func place(amountCents: Int64?, accountID: String?, idempotencyKey: String?, trace: TraceContext? = nil) async throws
        -> (order: OrderView, replayed: Bool)
    {
        let id = SortableID.make()
        let unchanged = changes.version(of: id)
        let placement = try OrderPlacement(
            id: id, requestedCents: amountCents, accountID: accountID, idempotencyKey: idempotencyKey, settings: settings,
            trace: trace)
        let outcome = try await host.writer.write { db in try placement.insert(in: db) }
        Counter(label: SagaMetrics.ordersCreated, dimensions: [("outcome", outcome.replayed ? "replayed" : "accepted")])
            .increment()
        if !outcome.replayed {
            relay.wake()
            var placed = outcome.0
            placed.history = [StatusChange(status: .created, atMillis: placed.createdAtMillis, reason: Self.placedReason)]
            publishedViews.publishPlaced(placed, seen: unchanged, signal: changes)
        }
        return outcome
    }

    /// The reason the first history entry of every order gives.
    static let placedReason = "order placed"

    /// Cancels an order that is still `created`; an already canceled order is returned as is.
    public func cancel(_ id: String) async throws -> OrderView {
        let view = try await database.write { db in try OrderTransitions.cancelByRequest(id, in: db) }
        relay.wake()
        notifyChanged([id])
        return view
    }

    /// Applies reloaded settings; a changed payment timeout is swept for at once.
    public func updateSettings(_ settings: OrderSettings) {
        let timeoutChanged = settings.paymentTimeout != self.settings.paymentTimeout
        self.settings = settings
        if timeoutChanged { sweeper.wake() }
    }

    // MARK: Queries

    public func order(_ id: String) async throws -> OrderView {
        guard let view = try await database.read({ try OrderQueries.order(id, withHistory: true, in: $0) }) else {
            throw OrderError.notFound(id)
        }
        return view
    }

    /// The order with the events each service handled for it (its saga's timeline) and the
    /// trace context it was placed in; nil trace for orders from before traces were kept.
    public func timeline(_ id: String) async throws -> (order: OrderView, trace: TraceContext?) {
        let found = try await database.read { db -> (OrderView, TraceContext?)? in
            guard let order = try OrderQueries.order(id, withHistory: true, in: db) else { return nil }
            return (order, try OrderQueries.trace(of: id, in: db))
        }
        guard let found else { throw OrderError.notFound(id) }
        return found
    }

    /// Orders by creation, optionally of one status, after the id `after` (exclusive).
    public func orders(status: OrderStatus?, limit: Int, after: String?) async throws -> [OrderView] {
        try await database.read { try OrderQueries.list(status: status, limit: limit, after: after, in: $0) }
    }

    /// Counts of orders per status.
    public func statusCounts() async throws -> [OrderStatus: Int] {
        try await database.read { try OrderQueries.statusCounts(in: $0) }
    }

    /// When the longest-waiting order of each in-flight status entered it (epoch milliseconds).
    public func oldestInFlight() async throws -> [OrderStatus: Int64] {
        try await database.read { try OrderQueries.oldestInFlight(in: $0) }
    }

    /// Waits until the order's history grows past `seenChanges` entries (or it is terminal,
    /// when `untilTerminal`), or `timeout` passes; returns the order as it then is.
    public nonisolated func waitForChange(
        _ id: String, seenChanges: Int?, untilTerminal: Bool, timeout: Duration
    ) async throws -> OrderView {
        try await OrderChangeWait.wait(
            for: id, seenChanges: seenChanges, untilTerminal: untilTerminal, timeout: timeout, changes: changes,
            settlements: settlements
        ) { version in
            if let published = publishedViews.view(of: id, currentAt: version) { return published }
            return try await order(id)
        }
    }
}

extension OrderService {
    /// Tells the waiters of `ids` that their orders changed, in a way that may have settled them
    /// (a cancel, a deadline): for changes made outside the event handler.
    nonisolated func notifyChanged(_ ids: Set<String>) {
        changes.notify(ids)
        settlements.notify(ids)
    }
}

extension SagaEvent {
    /// Whether applying this event may leave its order settled: every event the order service
    /// consumes except a captured payment, which moves an order only from created to processing
    /// (or records, on a canceled order, what is already settled).
    var mayHaveSettled: Bool { type != .checkoutSuccessful }
}

extension OrderView {
    /// Nothing more will happen: terminal, and not a charged failure still waiting for its
    /// refund (a `failed` order whose history shows it reached `processing`).
    public var isSettled: Bool {
        guard status == .failed else { return status.isTerminal }
        if let history { return !history.contains { $0.status == .processing } }
        return reachedProcessing == false
    }
}
