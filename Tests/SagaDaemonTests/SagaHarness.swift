import CheckoutService
import Foundation
import FulfillmentService
import Logging
import OrderService
import SagaDaemon
import SagaLog
import SagaMessaging
import Testing

/// A whole saga in one process on a temporary state directory, with helpers to wait for
/// outcomes and to check the invariants of DESIGN.md.
final class SagaHarness: Sendable {
    let directory: String
    let runtime: SagaRuntime

    init(failureRate: Double = 0, workDuration: Duration = .zero, defaultBalanceCents: Int64 = 1_000_000_00,
         maxInFlight: Int = 100_000, durability: DurabilityPolicy = .always, directory: String? = nil) throws {
        self.directory = directory ?? NSTemporaryDirectory() + "saga-\(UUID().uuidString)"
        var settings = SagaRuntime.Settings(stateDirectory: self.directory)
        settings.partitions = 4
        settings.log.durability = durability
        settings.order.maxInFlight = maxInFlight
        settings.checkout.defaultBalanceCents = defaultBalanceCents
        settings.fulfillment = FulfillmentSettings(workDuration: workDuration, failureRate: failureRate)
        settings.retry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(5))
        var logger = Logger(label: "saga-test")
        logger.logLevel = .critical
        runtime = try SagaRuntime(settings: settings, logger: logger)
    }

    // The SQLite services the harness opens (`SagaRuntime(settings:logger:)` makes no others).
    var orders: OrderService { runtime.orders as! OrderService }
    var checkout: CheckoutService { runtime.checkout as! CheckoutService }
    var fulfillment: FulfillmentService { runtime.fulfillment as! FulfillmentService }

    /// Starts every service; the returned task runs until cancelled.
    func start() -> Task<Void, Never> { Task { await runtime.run() } }

    func stop(_ task: Task<Void, Never>) async {
        task.cancel()
        await task.value
    }

    func close() {
        try? runtime.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Waits until the order has nothing more to do and returns it.
    func settled(_ id: String, timeout: Duration = .seconds(20)) async throws -> OrderView {
        let view = try await orders.waitForChange(id, seenChanges: nil, untilTerminal: true, timeout: timeout)
        #expect(view.isSettled, "order \(id) stuck in \(view.status)")
        return view
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
    func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// Every order settled, and, from checkout's payment journal: at most one charge and one
    /// refund per order, each order's movements matching its status, and balances equal to
    /// deposits − charges + refunds.
    func checkInvariants(expectOrders count: Int? = nil) async throws {
        let all = try await orders.orders(status: nil, limit: 1_000_000, after: nil)
        if let count { #expect(all.count == count) }
        let journal = try PaymentJournal(try await checkout.paymentMovements())
        for order in all {
            let view = try await orders.order(order.id)
            #expect(view.isSettled, "order \(order.id) is stuck in \(view.status)")
            let charge = journal.charges[order.id], refund = journal.refunds[order.id]
            let movements = "charge \(charge.map { "\($0.amountCents)" } ?? "none"), refund \(refund.map { "\($0.amountCents)" } ?? "none")"
            if let charge {
                #expect(charge.amountCents == view.amountCents && charge.accountID == view.accountID,
                        "order \(order.id) of \(view.amountCents) on \(view.accountID) was charged \(charge.amountCents) on \(charge.accountID)")
            }
            switch view.status {
            case .finished: #expect(charge != nil && refund == nil, "finished order \(order.id): \(movements)")
            case .refunded: #expect(charge != nil && refund != nil, "refunded order \(order.id): \(movements)")
            case .failed: #expect(charge == nil, "failed order \(order.id): \(movements)")
            case .canceled: #expect((charge == nil) == (refund == nil), "canceled order \(order.id): \(movements)")
            case .created, .processing: break
            }
        }
        let known = Set(all.map(\.id))
        let strangers = Set(journal.charges.keys).union(journal.refunds.keys).subtracting(known)
        #expect(strangers.isEmpty, "payments for unknown orders: \(strangers.sorted())")
        let ledger = try await checkout.ledger()
        #expect(ledger.balancesCents == ledger.depositsCents - journal.chargedCents + journal.refundedCents,
                "balances \(ledger.balancesCents) != deposits \(ledger.depositsCents) − charges \(journal.chargedCents) + refunds \(journal.refundedCents)")
    }

    /// Re-appends every record of every saga topic: a redelivery of everything.
    func redeliverEverything() async throws {
        let log = runtime.log
        let topics = Set(SagaEventType.allCases.map(\.topic))
        for stats in log.topicStatistics() where topics.contains(stats.topic) {
            var next = stats.startOffset
            while next < stats.endOffset {
                let records = try log.read(topic: stats.topic, partition: stats.partition, from: next, maxRecords: 500)
                    .filter { $0.offset < stats.endOffset }
                guard let last = records.last else { break }
                let copies = records.map { ProducerRecord(key: $0.key, value: $0.value, headers: $0.headers) }
                _ = try await log.append(copies, to: stats.topic)
                next = last.offset + 1
            }
        }
    }

    /// True when every outbox is empty and each service's group has consumed every record of
    /// every topic it reads.
    func drained() async -> Bool {
        for participant in runtime.participants {
            guard (try? await participant.outboxBacklog()) == 0 else { return false }
        }
        let log = runtime.log
        let lag = log.groupLag()
        let subscriptions = runtime.participants.map { ($0.consumerControl.group, $0.consumerControl.types) }
        for stats in log.topicStatistics() {
            for (group, types) in subscriptions where types.contains(where: { $0.topic == stats.topic }) {
                let committed = lag.first { $0.group == group && $0.topic == stats.topic && $0.partition == stats.partition }?
                    .committedOffset ?? stats.startOffset
                if committed < stats.endOffset { return false }
            }
        }
        return true
    }
}

/// Checkout's payment journal by order, checked on the way in: no order charged or refunded
/// twice, and every refund returns exactly its order's charge to the same account.
struct PaymentJournal {
    var charges: [String: PaymentMovement] = [:]
    var refunds: [String: PaymentMovement] = [:]
    var chargedCents: Int64 = 0
    var refundedCents: Int64 = 0

    init(_ movements: [PaymentMovement]) throws {
        for movement in movements {
            switch movement.kind {
            case .charge:
                #expect(charges.updateValue(movement, forKey: movement.orderID) == nil, "order \(movement.orderID) charged twice")
                chargedCents += movement.amountCents
            case .refund:
                #expect(refunds.updateValue(movement, forKey: movement.orderID) == nil, "order \(movement.orderID) refunded twice")
                refundedCents += movement.amountCents
            }
        }
        for (order, refund) in refunds {
            let charge = try #require(charges[order], "order \(order) refunded without a charge")
            #expect(refund.amountCents == charge.amountCents && refund.accountID == charge.accountID,
                    "order \(order) charged \(charge.amountCents) on \(charge.accountID), refunded \(refund.amountCents) on \(refund.accountID)")
        }
    }
}
