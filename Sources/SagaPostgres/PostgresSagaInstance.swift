import CheckoutService
import FulfillmentService
import Logging
import MessageLog
import OrderService
import SagaMessaging
import ServiceStorePostgres
import Synchronization

/// One instance of the saga with its state in PostgreSQL: the three services on their hosts
/// (writer, outbox relay, consumer in the service's group), running the same saga steps as on
/// SQLite, fulfillment's workers, and a listener for the order changes every instance announces.
/// Several instances share one database and one log; the log's consumer groups split the
/// partitions between them and one instance at a time relays each outbox.
public final class PostgresSagaInstance: Sendable {
    public let orders: StoredOrderService<PostgresServiceHost>
    public let checkout: StoredCheckoutService<PostgresServiceHost>
    public let fulfillment: StoredFulfillmentService<PostgresServiceHost>
    public let store: PostgresStore
    private let logger: Logger

    /// The services' settings (those the daemon's configuration names).
    public struct Settings: Sendable {
        public var order = OrderSettings()
        public var checkout = CheckoutSettings()
        public var fulfillment = FulfillmentSettings()
        public var retry = RetryPolicy()

        public init() {}
    }

    /// Migrates the three schemas (once across instances), opens the default account unless it
    /// exists, and wires the services on `log`. `failing` makes chosen orders' fulfillment fail (for tests).
    /// - Throws: ``PostgresStoreError`` when a schema cannot be migrated, or the server's error.
    public init(
        store: PostgresStore, log: any MessageLog & MessageLogAdmin, settings: Settings = Settings(),
        failing: @escaping @Sendable (String) -> Bool = { _ in false }, logger: Logger
    ) async throws {
        self.store = store
        self.logger = logger
        let committed = CommitRelay()
        let orderHost = try await PostgresServiceHost(
            name: "order", store: store, schema: .orders, consumes: OrderService.consumedEvents, log: log,
            retry: settings.retry, logger: logger.with(service: "order"),
            handler: { event, db in try OrderTransitions.apply(event, in: db) },
            afterCommit: { committed.orders?.committed($0) })
        let checkoutHost = try await PostgresServiceHost(
            name: "checkout", store: store, schema: .checkout, consumes: CheckoutService.consumedEvents, log: log,
            retry: settings.retry, logger: logger.with(service: "checkout"),
            handler: { event, db in try Payments.apply(event, in: db) })
        let fulfillmentHost = try await PostgresServiceHost(
            name: "fulfillment", store: store, schema: .fulfillment, consumes: FulfillmentService.consumedEvents, log: log,
            retry: settings.retry, logger: logger.with(service: "fulfillment"),
            handler: { event, db in try FulfillmentService.apply(event, in: db) },
            afterCommit: { committed.fulfillment?.committed($0) })
        orders = StoredOrderService(host: orderHost, settings: settings.order, logger: logger.with(service: "order"))
        checkout = try await StoredCheckoutService(
            host: checkoutHost, settings: settings.checkout, logger: logger.with(service: "checkout"))
        fulfillment = StoredFulfillmentService(
            host: fulfillmentHost, settings: settings.fulfillment, logger: logger.with(service: "fulfillment"), failing: failing)
        committed.attach(orders: orders, fulfillment: fulfillment)
    }

    /// Every service, in the order they start.
    public var services: [any HostedService] { [orders, checkout, fulfillment] }

    /// Runs the three services and the order-change listener until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.orders.run() }
            group.addTask { await self.checkout.run() }
            group.addTask { await self.fulfillment.run() }
            group.addTask { await self.followOrderChanges() }
        }
    }

    /// Closes the hosts' writers (after `run` has ended).
    public func close() async {
        for host in [orders.host, checkout.host, fulfillment.host] { await host.close() }
    }

    /// A round trip to the database, for health: fails while the server does not answer.
    /// - Throws: the server's error.
    public func checkReachable() async throws {
        try await store.checkReachable()
    }

    /// Places an order through this instance's order service (tests and benchmarks, which know no HTTP).
    /// - Throws: `OrderError.overloaded` past `maxInFlight`, or the store's error.
    @discardableResult
    public func place(id: String = SortableID.make(), accountID: String, amountCents: Int64, maxInFlight: Int = 100_000)
        async throws -> OrderView
    {
        let placement = OrderPlacement(
            id: id, accountID: accountID, amountCents: amountCents, idempotencyKey: nil,
            fingerprint: "\(amountCents)|\(accountID)", maxInFlight: maxInFlight, trace: TraceContext.newTrace())
        return try await orders.host.write { db in try placement.insert(in: db) }.order
    }

    /// Wakes the long polls of the orders any instance changed, from the database's
    /// notifications, until cancelled. Each (re)connection wakes every poll first: what changed
    /// while nobody listened is read again.
    private func followOrderChanges() async {
        let orders = orders
        await OrderChangeListener.follow(
            store: store, channel: OrderChangeNotification.channel, logger: logger,
            connected: { orders.reconnected() }, heard: { orders.changed([$0]) })
    }
}

/// Hands a host's commits to its service, which is made after the host.
private final class CommitRelay: Sendable {
    private let services = Mutex<(StoredOrderService<PostgresServiceHost>?, StoredFulfillmentService<PostgresServiceHost>?)>((nil, nil))

    var orders: StoredOrderService<PostgresServiceHost>? { services.withLock { $0.0 } }
    var fulfillment: StoredFulfillmentService<PostgresServiceHost>? { services.withLock { $0.1 } }

    func attach(orders: StoredOrderService<PostgresServiceHost>, fulfillment: StoredFulfillmentService<PostgresServiceHost>) {
        services.withLock { $0 = (orders, fulfillment) }
    }
}

extension Logger {
    func with(service: String) -> Logger {
        var logger = self
        logger[metadataKey: "service"] = "\(service)"
        return logger
    }
}
