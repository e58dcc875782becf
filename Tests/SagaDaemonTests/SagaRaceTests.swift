import CheckoutService
import Foundation
import OrderService
import SagaDaemon
import SagaLog
import Testing
@testable import SagaMessaging

@Suite struct SagaRaceTests {
    @Test func cancelRacingPaymentIsRefundedExactlyOnce() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        // Checkout runs; the order service relays but does not consume yet, so the payment is
        // taken while the order is still `created` — then the cancel comes in.
        let checkoutTask = Task { await saga.checkout.run() }
        let relayTask = Task { await saga.orders.host.relay.run() }
        let before = try await saga.checkout.account("default").balanceCents
        let placed = try await saga.orders.placeOrder(amountCents: 2500, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.eventually { try await saga.checkout.checkoutStatus(orderID: placed.id) == .successful })
        #expect(try await saga.checkout.account("default").balanceCents == before - 2500)
        #expect(try await saga.orders.cancel(placed.id).status == .canceled)
        relayTask.cancel()
        await relayTask.value
        checkoutTask.cancel()
        await checkoutTask.value

        let task = saga.start()
        #expect(try await saga.eventually { try await saga.checkout.checkoutStatus(orderID: placed.id) == .refunded })
        #expect(await saga.eventually { await saga.drained() })
        await saga.stop(task)
        let order = try await saga.orders.order(placed.id)
        #expect(order.status == .canceled)
        let reasons = order.history?.compactMap(\.reason) ?? []
        #expect(reasons.contains("payment captured after cancel; refund pending"))
        #expect(reasons.filter { $0 == "payment refunded" }.count == 1)
        #expect(try await saga.checkout.account("default").balanceCents == before)
        try await saga.checkInvariants()
    }

    @Test func cancelIsRefusedPastThePivot() async throws {
        let saga = try SagaHarness(workDuration: .seconds(30))
        defer { saga.close() }
        let task = saga.start()
        let placed = try await saga.orders.placeOrder(amountCents: 100, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.eventually { try await saga.orders.order(placed.id).status == .processing })
        await #expect(throws: OrderError.cannotCancel(id: placed.id, status: .processing)) {
            try await saga.orders.cancel(placed.id)
        }
        await #expect(throws: OrderError.notFound("nope")) { try await saga.orders.cancel("nope") }
        await saga.stop(task)
    }

    @Test func duplicateDeliveryOfEveryEventHasNoSecondEffect() async throws {
        let saga = try SagaHarness(failureRate: 0.5)
        defer { saga.close() }
        _ = try await saga.checkout.createAccount("poor", balanceCents: 50)
        // Canceled before anything runs, so the cancel cannot race and must be accepted.
        let toCancel = try await saga.orders.placeOrder(amountCents: 300, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.orders.cancel(toCancel.id).status == .canceled)
        var task = saga.start()
        var ids: [String] = []
        for i in 0..<20 {
            ids.append(try await saga.orders.placeOrder(amountCents: Int64(100 + i), accountID: i % 5 == 0 ? "poor" : nil, idempotencyKey: nil).id)
        }
        for id in ids { _ = try await saga.settled(id) }
        #expect(try await saga.settled(toCancel.id).status == .canceled)
        #expect(await saga.eventually { await saga.drained() })
        await saga.stop(task)
        let snapshot = try await SagaSnapshot(saga)

        try await saga.redeliverEverything()
        task = saga.start()
        #expect(await saga.eventually { await saga.drained() })
        try await Task.sleep(for: .milliseconds(200))
        await saga.stop(task)
        #expect(try await SagaSnapshot(saga) == snapshot)
        try await saga.checkInvariants(expectOrders: 21)
    }

    @Test func aRelayCrashBetweenAppendAndMarkSentHasNoDoubleEffect() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let placed = try await saga.orders.placeOrder(amountCents: 4200, accountID: nil, idempotencyKey: nil)
        // The relay appends the outbox rows, then "crashes" before deleting them.
        #expect(try await saga.orders.host.relay.appendPending()?.0 == 1)
        #expect(try await saga.orders.outboxBacklog() == 1)
        let task = saga.start()  // the relay appends the same row again
        let order = try await saga.settled(placed.id)
        #expect(await saga.eventually { await saga.drained() })
        await saga.stop(task)
        #expect(order.status == .finished)
        let pending = saga.runtime.log.topicStatistics().filter { $0.topic == "order_pending" }.reduce(0) { $0 + $1.endOffset }
        #expect(pending == 2)
        let ledger = try await saga.checkout.ledger()
        #expect(ledger.capturedCents == 4200)
        try await saga.checkInvariants()
    }

    @Test func aPoisonMessageLandsInTheDeadLetterTopicAndOthersFinish() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let task = saga.start()
        _ = try await saga.runtime.log.append([ProducerRecord(key: "bad", value: Array("{not json".utf8))], to: "order_pending")
        let placed = try await saga.orders.placeOrder(amountCents: 150, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.settled(placed.id).status == .finished)
        #expect(try await saga.eventually {
            try saga.runtime.log.read(topic: "order_pending.dlq", partition: 0, from: 0, maxRecords: 100).count == 1
        })
        let dead = try saga.runtime.log.read(topic: "order_pending.dlq", partition: 0, from: 0, maxRecords: 100)[0]
        #expect(dead.header("dlq-group") == "checkout")
        #expect(dead.header("dlq-error")?.contains("cannot decode") == true)
        await saga.stop(task)
    }

    @Test func anIdempotencyKeyReturnsTheSameOrder() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let first = try await saga.orders.placeOrder(amountCents: 500, accountID: nil, idempotencyKey: "k1")
        let again = try await saga.orders.placeOrder(amountCents: 500, accountID: nil, idempotencyKey: "k1")
        #expect(first.id == again.id)
        await #expect(throws: OrderError.idempotencyKeyReused("k1")) {
            try await saga.orders.placeOrder(amountCents: 501, accountID: nil, idempotencyKey: "k1")
        }
        #expect(try await saga.orders.orders(status: nil, limit: 10, after: nil).count == 1)
    }

    @Test func newOrdersAreRefusedPastTheInFlightBound() async throws {
        let saga = try SagaHarness(maxInFlight: 3)
        defer { saga.close() }
        for _ in 0..<3 { _ = try await saga.orders.placeOrder(amountCents: 100, accountID: nil, idempotencyKey: nil) }
        await #expect(throws: OrderError.overloaded(inFlight: 3, limit: 3)) {
            try await saga.orders.placeOrder(amountCents: 100, accountID: nil, idempotencyKey: nil)
        }
    }
}

/// Everything a redelivery could change, read at one moment.
struct SagaSnapshot: Equatable {
    var orders: [String: [String]]
    var notifications: Int
    var ledger: LedgerSummary

    init(_ saga: SagaHarness) async throws {
        var orders: [String: [String]] = [:]
        for order in try await saga.orders.orders(status: nil, limit: 10_000, after: nil) {
            orders[order.id] = try await saga.orders.order(order.id).history?.map { "\($0.status.rawValue):\($0.reason ?? "")" }
        }
        self.orders = orders
        notifications = try await saga.fulfillment.notifications(orderID: nil, limit: 100_000).count
        ledger = try await saga.checkout.ledger()
    }
}
