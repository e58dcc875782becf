import Logging
import MessageLog
import Metrics
import SagaMessaging
import Synchronization

/// The order service on a store reached through its writer alone (`StoreHost`): what runs when
/// the services' state is in PostgreSQL, shared by several sagad instances. The same saga steps
/// and checks as `OrderService` on SQLite; it lacks only that one's SQLite-specific speed-ups
/// (a reader pool, views published from the committing connection).
///
/// An order may change on any instance. A long poll wakes on the changes this instance commits
/// (`committed`, from its consumer; `changed`, from its own cancels and sweeps) and on those
/// every instance announces (`changed`, from the store's notifications); `reconnected` wakes
/// every poll after notifications may have been missed.
public final class StoredOrderService<Host: StoreHost>: OrderServiceAPI, HostedOnStore {
    public let host: Host
    private let settings: Mutex<OrderSettings>
    private let changes = KeyedChangeSignal()
    private let settlements = KeyedChangeSignal()
    private let sweeper = DeadlineSweeper()
    private let logger: Logger

    /// `host` must apply `OrderTransitions.apply` and hand its commits to `committed(_:)`.
    public init(host: Host, settings: OrderSettings, logger: Logger) {
        self.host = host
        self.settings = Mutex(settings)
        self.logger = logger
    }

    /// What the host's consumer committed: wakes the polls of those orders.
    public func committed(_ events: [SagaEvent]) {
        changes.notify(Set(events.map(\.orderID)))
        settlements.notify(Set(events.lazy.filter(\.mayHaveSettled).map(\.orderID)))
    }

    /// An order changed somewhere (on this instance or another): wakes its polls, which read it again.
    public func changed(_ orderIDs: Set<String>) {
        changes.notify(orderIDs)
        settlements.notify(orderIDs)
    }

    /// Notifications may have been missed (their connection was lost): every poll reads its order again.
    public func reconnected() {
        changes.notifyAll()
        settlements.notifyAll()
    }

    // MARK: HostedService

    /// Runs the host's relay and consumer, and the payment-deadline sweeper, until cancelled.
    public func run() async {
        await host.run(alongside: { await self.sweeper.run { await self.sweepPaymentDeadlines() } })
    }

    // MARK: Commands

    public func place(amountCents: Int64?, accountID: String?, idempotencyKey: String?, trace: TraceContext?) async throws
        -> (order: OrderView, replayed: Bool)
    {
        let placement = try OrderPlacement(
            id: SortableID.make(), requestedCents: amountCents, accountID: accountID, idempotencyKey: idempotencyKey,
            settings: settings.withLock { $0 }, trace: trace)
        let outcome = try await host.writeAndRelay { db in try placement.insert(in: db) }
        Counter(label: SagaMetrics.ordersCreated, dimensions: [("outcome", outcome.replayed ? "replayed" : "accepted")])
            .increment()
        return outcome
    }

    public func cancel(_ id: String) async throws -> OrderView {
        let view = try await host.writeAndRelay { db in try OrderTransitions.cancelByRequest(id, in: db) }
        changed([id])
        return view
    }

    public func updateSettings(_ settings: OrderSettings) async {
        let timeoutChanged = self.settings.withLock { current in
            defer { current = settings }
            return current.paymentTimeout != settings.paymentTimeout
        }
        if timeoutChanged { sweeper.wake() }
    }

    /// Cancels every order past its payment deadline, in batches; returns how many this
    /// instance canceled (another may cancel some first). A failed sweep is logged and left to
    /// the next tick.
    @discardableResult
    public func sweepPaymentDeadlines(now: Int64 = nowMillis()) async -> Int {
        let canceled = await OrderDeadlines.sweep(on: host, timeout: settings.withLock { $0.paymentTimeout }, now: now, logger: logger)
        if !canceled.isEmpty { changed(Set(canceled)) }
        return canceled.count
    }

    // MARK: Queries

    public func order(_ id: String) async throws -> OrderView {
        guard let view = try await host.read({ db in try OrderQueries.order(id, withHistory: true, in: db) }) else {
            throw OrderError.notFound(id)
        }
        return view
    }

    public func timeline(_ id: String) async throws -> (order: OrderView, trace: TraceContext?) {
        let found = try await host.read { db -> (OrderView, TraceContext?)? in
            guard let order = try OrderQueries.order(id, withHistory: true, in: db) else { return nil }
            return (order, try OrderQueries.trace(of: id, in: db))
        }
        guard let found else { throw OrderError.notFound(id) }
        return found
    }

    public func orders(status: OrderStatus?, limit: Int, after: String?) async throws -> [OrderView] {
        try await host.read { db in try OrderQueries.list(status: status, limit: limit, after: after, in: db) }
    }

    public func statusCounts() async throws -> [OrderStatus: Int] {
        try await host.read { db in try OrderQueries.statusCounts(in: db) }
    }

    public func oldestInFlight() async throws -> [OrderStatus: Int64] {
        try await host.read { db in try OrderQueries.oldestInFlight(in: db) }
    }

    public func overdueOrders(fulfillmentTimeout: Duration?, now: Int64) async throws -> (payment: Int, fulfillment: Int) {
        let paymentTimeout = settings.withLock { $0.paymentTimeout }
        return try await host.read { db in
            try OrderDeadlines.overdue(paymentTimeout: paymentTimeout, fulfillmentTimeout: fulfillmentTimeout, now: now, in: db)
        }
    }

    public func waitForChange(_ id: String, seenChanges: Int?, untilTerminal: Bool, timeout: Duration) async throws
        -> OrderView
    {
        try await OrderChangeWait.wait(
            for: id, seenChanges: seenChanges, untilTerminal: untilTerminal, timeout: timeout, changes: changes,
            settlements: settlements
        ) { _ in try await order(id) }
    }
}
