import CheckoutService
import FulfillmentService
import Logging
import MessageLog
import OrderService
import SagaMessaging
import ServiceStorePostgres

/// One instance of the saga with its state in PostgreSQL: the three services' hosts (writer,
/// outbox relay, consumer in the service's group) running the same saga steps as on SQLite,
/// and fulfillment's workers. Several instances share one database and one log; the log's
/// consumer groups split the partitions between them and one instance at a time relays each
/// outbox.
///
/// Fulfillment's work here: an order gone processing is worked on for `workDuration`, then its
/// outcome is committed (failing with probability `failureRate`); pending fulfillments found
/// at start (an instance that died mid-work) are worked on again. The instance knows no HTTP:
/// orders are placed with `place`.
public final class PostgresSagaInstance: Sendable {
    public let order: PostgresServiceHost
    public let checkout: PostgresServiceHost
    public let fulfillment: PostgresServiceHost
    private let workDuration: Duration
    private let failureRate: Double
    private let logger: Logger

    /// Migrates the three schemas (once across instances) and wires the hosts on `log`.
    public init(
        store: PostgresStore, log: any MessageLog & MessageLogAdmin, workDuration: Duration = .zero, failureRate: Double = 0,
        failing: @escaping @Sendable (String) -> Bool = { _ in false }, logger: Logger
    ) async throws {
        self.workDuration = workDuration
        self.failureRate = failureRate
        self.logger = logger
        order = try await PostgresServiceHost(
            name: "order", store: store, schema: .orders, consumes: OrderService.consumedEvents, log: log, logger: logger,
            handler: { event, db in try OrderTransitions.apply(event, in: db) })
        checkout = try await PostgresServiceHost(
            name: "checkout", store: store, schema: .checkout, consumes: CheckoutService.consumedEvents, log: log,
            logger: logger, handler: { event, db in try Payments.apply(event, in: db) })
        let started = AsyncStream<[String]>.makeStream()
        fulfillment = try await PostgresServiceHost(
            name: "fulfillment", store: store, schema: .fulfillment, consumes: FulfillmentService.consumedEvents, log: log,
            logger: logger, handler: { event, db in try FulfillmentService.apply(event, in: db) },
            afterCommit: { events in
                let orderIDs = events.filter { $0.type == .orderProcessing }.map(\.orderID)
                if !orderIDs.isEmpty { started.continuation.yield(orderIDs) }
            })
        self.started = started.stream
        self.failing = failing
    }

    private let started: AsyncStream<[String]>
    private let failing: @Sendable (String) -> Bool

    /// Runs the three hosts and fulfillment's workers until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.order.run() }
            group.addTask { await self.checkout.run() }
            group.addTask { await self.fulfillment.run(alongside: { await self.work() }) }
        }
    }

    /// Closes the hosts' writers (after `run` has ended).
    public func close() async {
        for host in [order, checkout, fulfillment] { await host.close() }
    }

    /// Places an order through this instance's order service.
    /// - Throws: `OrderError.overloaded` past `maxInFlight`, or the store's error.
    @discardableResult
    public func place(id: String = SortableID.make(), accountID: String, amountCents: Int64, maxInFlight: Int = 100_000)
        async throws -> OrderView
    {
        let placement = OrderPlacement(
            id: id, accountID: accountID, amountCents: amountCents, idempotencyKey: nil,
            fingerprint: "\(amountCents)|\(accountID)", maxInFlight: maxInFlight, trace: TraceContext.newTrace())
        return try await order.write { db in try placement.insert(in: db) }.order
    }

    /// Works on every fulfillment this instance's consumer starts, and on those left pending.
    private func work() async {
        do {
            let pending = try await fulfillment.write { db in
                try db.allRows("SELECT order_id FROM fulfillments WHERE status = 'pending' ORDER BY order_id") { try $0.text(0) }
            }
            if !pending.isEmpty { await fulfil(pending) }
        } catch {
            logger.error("cannot read pending fulfillments", metadata: ["error": "\(error)"])
        }
        await withDiscardingTaskGroup { group in
            for await orderIDs in started {
                group.addTask { await self.fulfil(orderIDs) }
            }
        }
    }

    private func fulfil(_ orderIDs: [String]) async {
        if workDuration > .zero { try? await Task.sleep(for: workDuration) }
        let outcomes = orderIDs.map { id in
            (id, failing(id) || (failureRate > 0 && Double.random(in: 0..<1) < failureRate) ? "fulfillment failed" : nil)
        }
        while !Task.isCancelled {
            do {
                _ = try await fulfillment.write { db in
                    for (id, reason) in outcomes { _ = try FulfillmentOutcome.record(id, failedBecause: reason, at: nowMillis(), in: db) }
                }
                return
            } catch {
                logger.error("cannot record fulfillment outcomes; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
