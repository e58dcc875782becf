@testable import CheckoutService
import Foundation
@testable import FulfillmentService
import Logging
import MessageLog
@testable import OrderService
import SagaLog
import SagaMessaging
import Synchronization
import Testing

/// The services written over any store (`StoredOrderService`, `StoredCheckoutService`,
/// `StoredFulfillmentService`: what sagad runs on PostgreSQL) wired on SQLite's `ServiceHost`s
/// and an embedded log, as `PostgresSagaInstance` wires them on PostgreSQL: their commands,
/// checks, long polls, sweeps and liveness, without a database server.
@Suite(.serialized) struct StoredServicesTests {
    typealias Orders = StoredOrderService<ServiceHost>

    /// Three stored services on hosts in a temporary directory, and their running task.
    final class Saga: Sendable {
        let directory = NSTemporaryDirectory() + "stored-\(UUID().uuidString)"
        let log: SagaLog
        let orders: Orders
        let checkout: StoredCheckoutService<ServiceHost>
        let fulfillment: StoredFulfillmentService<ServiceHost>

        init(fulfillment settings: FulfillmentSettings = FulfillmentSettings(workDuration: .zero),
             order: OrderSettings = OrderSettings(), failing: @escaping @Sendable (String) -> Bool = { _ in false }) async throws {
            var logger = Logger(label: "stored-test")
            logger.logLevel = .critical
            var configuration = LogConfiguration()
            configuration.durability = .never
            log = try SagaLog.open(directory: directory + "/log", configuration: configuration, logger: logger)
            for type in SagaEventType.allCases {
                try log.ensureTopic(type.topic, partitions: 2)
                try log.ensureTopic(type.deadLetterTopic, partitions: 1)
            }
            let relay = Relay()
            let retry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(5))
            let orderHost = try ServiceHost(
                name: "order", databasePath: directory + "/orders.sqlite", schema: .orders, consumes: OrderService.consumedEvents,
                log: log, retry: retry, logger: logger, handler: { event, db in try OrderTransitions.apply(event, in: db) },
                afterCommit: { relay.orders?.committed($0) })
            let checkoutHost = try ServiceHost(
                name: "checkout", databasePath: directory + "/checkout.sqlite", schema: .checkout,
                consumes: CheckoutService.consumedEvents, log: log, retry: retry, logger: logger,
                handler: { event, db in try Payments.apply(event, in: db) })
            let fulfillmentHost = try ServiceHost(
                name: "fulfillment", databasePath: directory + "/fulfillment.sqlite", schema: .fulfillment,
                consumes: FulfillmentService.consumedEvents, log: log, retry: retry, logger: logger,
                handler: { event, db in try FulfillmentService.apply(event, in: db) },
                afterCommit: { relay.fulfillment?.committed($0) })
            orders = Orders(host: orderHost, settings: order, logger: logger)
            checkout = try await StoredCheckoutService(host: checkoutHost, settings: CheckoutSettings(), logger: logger)
            fulfillment = StoredFulfillmentService(host: fulfillmentHost, settings: settings, logger: logger, failing: failing)
            relay.attach(orders, fulfillment)
        }

        func start() -> Task<Void, Never> {
            Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await self.orders.run() }
                    group.addTask { await self.checkout.run() }
                    group.addTask { await self.fulfillment.run() }
                }
            }
        }

        func stop(_ task: Task<Void, Never>) async {
            task.cancel()
            await task.value
            try? log.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func settled(_ id: String) async throws -> OrderView {
            try await orders.waitForChange(id, seenChanges: nil, untilTerminal: true, timeout: .seconds(20))
        }
    }

    /// Hands a host's commits to its service, which is made after it.
    final class Relay: Sendable {
        private let services = Mutex<(Orders?, StoredFulfillmentService<ServiceHost>?)>((nil, nil))
        var orders: Orders? { services.withLock { $0.0 } }
        var fulfillment: StoredFulfillmentService<ServiceHost>? { services.withLock { $0.1 } }
        func attach(_ orders: Orders, _ fulfillment: StoredFulfillmentService<ServiceHost>) {
            services.withLock { $0 = (orders, fulfillment) }
        }
    }

    @Test func ordersSettleWithExactMoneyAndFailedOnesAreRefunded() async throws {
        let saga = try await Saga(failing: { $0.hasSuffix("7") })
        let running = saga.start()
        let opening = try await saga.checkout.account("default").balanceCents
        var placed: [OrderView] = []
        for cents in [100, 250, 999, 1234] as [Int64] {
            placed.append(try await saga.orders.place(amountCents: cents, accountID: nil, idempotencyKey: nil, trace: nil).order)
        }
        let replay = try await saga.orders.place(amountCents: 5, accountID: nil, idempotencyKey: "k1", trace: nil)
        let again = try await saga.orders.place(amountCents: 5, accountID: nil, idempotencyKey: "k1", trace: nil)
        #expect(!replay.replayed && again.replayed && again.order.id == replay.order.id)
        await #expect(throws: OrderError.idempotencyKeyReused("k1")) {
            try await saga.orders.place(amountCents: 6, accountID: nil, idempotencyKey: "k1", trace: nil)
        }
        placed.append(replay.order)
        var finishedCents: Int64 = 0
        for order in placed {
            let settled = try await saga.settled(order.id)
            let expected: OrderStatus = order.id.hasSuffix("7") ? .refunded : .finished
            #expect(settled.status == expected, "\(order.id): \(settled.status)")
            if settled.status == .finished { finishedCents += settled.amountCents }
        }
        #expect(try await saga.checkout.account("default").balanceCents == opening - finishedCents)
        #expect(try await saga.checkout.ledgerByAccount().allSatisfy(\.isBalanced))
        let timeline = try await saga.orders.timeline(placed[0].id)
        #expect(timeline.order.id == placed[0].id && timeline.trace != nil)
        #expect(try await saga.checkout.handledEvents(orderID: placed[0].id).first?.topic == "order_pending")
        #expect(try await saga.fulfillment.notifications(orderID: placed[0].id, limit: 10).count == 1)
        let counts = try await saga.orders.statusCounts()
        #expect(counts.values.reduce(0, +) == placed.count)
        #expect(try await saga.orders.orders(status: .finished, limit: 100, after: nil).count == counts[.finished] ?? 0)
        #expect(try await saga.orders.oldestInFlight().isEmpty)
        for service in [saga.orders, saga.checkout, saga.fulfillment] as [any HostedService] {
            try await service.checkLiveness()
            #expect(try await service.outboxBacklog() == 0)
            #expect(service.relayStorageFault == nil && service.consumerControl.storageFault == nil && service.databaseFile == nil)
        }
        await saga.stop(running)
    }

    @Test func requestsAreCheckedAsOnSQLite() async throws {
        let saga = try await Saga()
        defer { try? FileManager.default.removeItem(atPath: saga.directory) }
        await #expect(throws: OrderError.self) { try await saga.orders.place(amountCents: 0, accountID: nil, idempotencyKey: nil, trace: nil) }
        await #expect(throws: OrderError.self) { try await saga.orders.place(amountCents: 1, accountID: "", idempotencyKey: nil, trace: nil) }
        await #expect(throws: OrderError.notFound("nope")) { try await saga.orders.order("nope") }
        await #expect(throws: OrderError.notFound("nope")) { try await saga.orders.timeline("nope") }
        await #expect(throws: OrderError.notFound("nope")) { try await saga.orders.cancel("nope") }
        #expect(try await saga.checkout.createAccount("alice", balanceCents: 500).balanceCents == 500)
        #expect(try await saga.checkout.deposit("alice", amountCents: 250).balanceCents == 750)
        await #expect(throws: CheckoutError.self) { try await saga.checkout.createAccount("", balanceCents: 5) }
        await #expect(throws: CheckoutError.self) { try await saga.checkout.createAccount("bob", balanceCents: -1) }
        await #expect(throws: CheckoutError.self) { try await saga.checkout.deposit("alice", amountCents: 0) }
        await #expect(throws: CheckoutError.accountNotFound("bob")) { try await saga.checkout.account("bob") }
        try? saga.log.close()
    }

    /// Without its consumers running an order stays created: a cancel through the API ends it
    /// (twice is the same answer) and wakes its poll; the payment deadline cancels the rest.
    @Test func cancelsAndThePaymentDeadlineEndCreatedOrdersAndWakeTheirPolls() async throws {
        let saga = try await Saga(order: OrderSettings(paymentTimeout: .seconds(60)))
        defer { try? FileManager.default.removeItem(atPath: saga.directory) }
        let first = try await saga.orders.place(amountCents: 100, accountID: nil, idempotencyKey: nil, trace: nil).order
        let second = try await saga.orders.place(amountCents: 200, accountID: nil, idempotencyKey: nil, trace: nil).order
        let poll = Task { try await saga.orders.waitForChange(first.id, seenChanges: 1, untilTerminal: false, timeout: .seconds(20)) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await saga.orders.cancel(first.id).status == .canceled)
        #expect(try await poll.value.status == .canceled, "the cancel woke the poll")
        #expect(try await saga.orders.cancel(first.id).status == .canceled)

        let overdue = try await saga.orders.overdueOrders(fulfillmentTimeout: nil, now: nowMillis() + 120_000)
        #expect(overdue.payment == 1 && overdue.fulfillment == 0)
        #expect(await saga.orders.sweepPaymentDeadlines(now: nowMillis()) == 0, "nothing is due yet")
        #expect(await saga.orders.sweepPaymentDeadlines(now: nowMillis() + 120_000) == 1)
        #expect(try await saga.orders.order(second.id).status == .canceled)
        await saga.orders.updateSettings(OrderSettings(paymentTimeout: nil))
        #expect(await saga.orders.sweepPaymentDeadlines(now: nowMillis() + 120_000) == 0, "a timeout switched off sweeps nothing")
        try? saga.log.close()
    }

    /// A change announced from elsewhere (another instance's, through the database's
    /// notifications) wakes a poll; so does a reconnection, after which the poll reads again.
    @Test func changesFromElsewhereAndReconnectionsWakePolls() async throws {
        let saga = try await Saga()
        defer { try? FileManager.default.removeItem(atPath: saga.directory) }
        let order = try await saga.orders.place(amountCents: 100, accountID: nil, idempotencyKey: nil, trace: nil).order
        for wake in [{ saga.orders.changed([order.id]) }, { saga.orders.reconnected() }] as [@Sendable () -> Void] {
            let poll = Task {
                try await saga.orders.waitForChange(order.id, seenChanges: 1, untilTerminal: false, timeout: .seconds(20))
            }
            try await Task.sleep(for: .milliseconds(100))
            // Changed behind the service's back (as by another instance), then announced.
            _ = try await saga.orders.host.writer.write { db in try OrderTransitions.cancel(order.id, reason: "elsewhere", in: db) }
            let started = ContinuousClock.now
            wake()
            #expect(try await poll.value.status == .canceled)
            #expect(ContinuousClock.now - started < .seconds(5), "woken, not timed out")
            _ = try await saga.orders.host.writer.write { db in
                try db.run("UPDATE orders SET status = 'created' WHERE id = ?") { $0.bind(order.id) }
                try db.run("DELETE FROM order_status_history WHERE order_id = ? AND status = 'canceled'") { $0.bind(order.id) }
            }
        }
        try? saga.log.close()
    }

    /// A fulfillment past its deadline fails (and its order is refunded); a reload of the
    /// settings takes effect for the work and the deadline.
    @Test func theFulfillmentDeadlineFailsStuckWorkAndAReloadTakesEffect() async throws {
        let slow = FulfillmentSettings(workDuration: .seconds(60), timeout: .seconds(30))
        let saga = try await Saga(fulfillment: slow)
        let running = saga.start()
        let order = try await saga.orders.place(amountCents: 300, accountID: nil, idempotencyKey: nil, trace: nil).order
        _ = try await saga.orders.waitForChange(order.id, seenChanges: 1, untilTerminal: false, timeout: .seconds(20))
        #expect(await saga.fulfillment.timeout == .seconds(30))
        var swept = 0
        let deadline = ContinuousClock.now + .seconds(20)
        while swept == 0, ContinuousClock.now < deadline {
            swept = await saga.fulfillment.sweepDeadlines(now: nowMillis() + 60_000)
            if swept == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(swept == 1)
        #expect(try await saga.settled(order.id).status == .refunded)
        await saga.fulfillment.updateSettings(FulfillmentSettings(workDuration: .zero, timeout: nil))
        #expect(await saga.fulfillment.timeout == nil)
        #expect(await saga.fulfillment.sweepDeadlines() == 0)
        let next = try await saga.orders.place(amountCents: 300, accountID: nil, idempotencyKey: nil, trace: nil).order
        #expect(try await saga.settled(next.id).status == .finished)
        await saga.stop(running)
    }
}
