@testable import CheckoutService
import FulfillmentService
import Foundation
import OrderService
import SagaDaemon
import SagaLog
import Testing
@testable import SagaMessaging

@Suite struct SagaFlowTests {
    @Test func theHappyPathFinishesChargesOnceAndNotifies() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let task = saga.start()
        let before = try await saga.checkout.account("default").balanceCents
        let placed = try await saga.orders.placeOrder(amountCents: 1234, accountID: nil, idempotencyKey: nil)
        #expect(placed.status == .created)
        let order = try await saga.settled(placed.id)
        #expect(order.status == .finished)
        #expect(order.history?.map(\.status) == [.created, .processing, .finished])
        #expect(try await saga.checkout.account("default").balanceCents == before - 1234)
        #expect(try await saga.eventually { try await saga.fulfillment.notifications(orderID: placed.id).map(\.kind) == ["finished"] })
        #expect(try await saga.fulfillment.fulfillmentStatus(orderID: placed.id) == .successful)
        await saga.stop(task)
        try await saga.checkInvariants(expectOrders: 1)
    }

    @Test func anOrderWithoutAmountGetsARandomOneInRange() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        for _ in 0..<20 {
            let order = try await saga.orders.placeOrder(amountCents: nil, accountID: nil, idempotencyKey: nil)
            #expect((100...10_000).contains(order.amountCents))
            #expect(order.accountID == "default")
        }
    }

    @Test func insufficientBalanceFailsAndLeavesTheBalanceAlone() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let task = saga.start()
        _ = try await saga.checkout.createAccount("poor", balanceCents: 100)
        let placed = try await saga.orders.placeOrder(amountCents: 500, accountID: "poor", idempotencyKey: nil)
        let order = try await saga.settled(placed.id)
        #expect(order.status == .failed)
        #expect(order.history?.last?.reason == "insufficient balance")
        #expect(try await saga.checkout.account("poor").balanceCents == 100)
        #expect(try await saga.checkout.checkoutStatus(orderID: placed.id) == .failed)
        #expect(try await saga.eventually { try await saga.fulfillment.notifications(orderID: placed.id).map(\.kind) == ["failed"] })
        // Never charged, so settled: a listing (no history) says what a single read says.
        #expect(order.isSettled)
        let listed = try #require(try await saga.orders.orders(status: .failed, limit: 10, after: nil).first { $0.id == placed.id })
        #expect(listed.history == nil && listed.reachedProcessing == false && listed.isSettled)
        await saga.stop(task)
        try await saga.checkInvariants()
    }

    @Test func anUnknownAccountFailsTheOrderWithoutTouchingAnyBalance() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let task = saga.start()
        let before = try await saga.checkout.account("default").balanceCents
        let placed = try await saga.orders.placeOrder(amountCents: 500, accountID: "nobody", idempotencyKey: nil)
        let order = try await saga.settled(placed.id)
        #expect(order.status == .failed)
        #expect(order.history?.last?.reason == "unknown account nobody")
        #expect(try await saga.checkout.checkoutStatus(orderID: placed.id) == .failed)
        #expect(try await saga.checkout.account("default").balanceCents == before)
        await saga.stop(task)
        try await saga.checkInvariants()
    }

    @Test func aFailedFulfillmentIsRefunded() async throws {
        let saga = try SagaHarness(failureRate: 1.0)
        defer { saga.close() }
        let task = saga.start()
        let before = try await saga.checkout.account("default").balanceCents
        let placed = try await saga.orders.placeOrder(amountCents: 999, accountID: nil, idempotencyKey: nil)
        let order = try await saga.settled(placed.id)
        #expect(order.status == .refunded)
        #expect(order.history?.map(\.status) == [.created, .processing, .failed, .refunded])
        #expect(try await saga.checkout.account("default").balanceCents == before)
        #expect(try await saga.checkout.checkoutStatus(orderID: placed.id) == .refunded)
        await saga.stop(task)
        try await saga.checkInvariants()
    }

    /// A failed order that was charged is not settled until its refund: a listing says so too.
    /// Fulfillment waits until the payment is taken; then checkout is paused, so the refund waits.
    @Test func aChargedFailureIsUnsettledInListingsUntilRefunded() async throws {
        let saga = try SagaHarness(failureRate: 1.0)
        defer { saga.close() }
        let task = saga.start()
        await saga.fulfillment.host.consumer.pauseConsuming()
        let placed = try await saga.orders.placeOrder(amountCents: 250, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.eventually { try await saga.orders.order(placed.id).status == .processing })
        await saga.checkout.host.consumer.pauseConsuming()
        saga.fulfillment.host.consumer.resumeConsuming()
        #expect(try await saga.eventually { try await saga.orders.order(placed.id).status == .failed })
        let single = try await saga.orders.order(placed.id)
        let listed = try #require(try await saga.orders.orders(status: .failed, limit: 10, after: nil).first { $0.id == placed.id })
        #expect(!single.isSettled && listed.reachedProcessing == true && !listed.isSettled)
        saga.checkout.host.consumer.resumeConsuming()
        #expect(try await saga.settled(placed.id).status == .refunded)
        await saga.stop(task)
        try await saga.checkInvariants()
    }

    @Test func cancelBeforePaymentIsNeverCharged() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        // Only the order side runs: the cancel lands before checkout has seen the order.
        let orderTask = Task { await saga.orders.run() }
        let placed = try await saga.orders.placeOrder(amountCents: 700, accountID: nil, idempotencyKey: nil)
        let canceled = try await saga.orders.cancel(placed.id)
        #expect(canceled.status == .canceled)
        #expect(try await saga.eventually { try await saga.orders.outboxBacklog() == 0 })
        // Deliver order_canceled to checkout before order_pending, as a cross-topic race may.
        let log = saga.runtime.log
        let records = try log.topicStatistics().filter { ["order_canceled", "order_pending"].contains($0.topic) }
            .flatMap { try log.read(topic: $0.topic, partition: $0.partition, from: 0, maxRecords: 10) }
        let cancelFirst = records.sorted { a, _ in a.topic == "order_canceled" }
        #expect(cancelFirst.map(\.topic) == ["order_canceled", "order_pending"])
        for record in cancelFirst {
            let event = try EventCodec.event(from: record)
            try await saga.checkout.host.database.write { db in try Payments.apply(event, in: db) }
        }
        #expect(try await saga.checkout.checkoutStatus(orderID: placed.id) == nil)
        // Now let the real consumers see both events too: still never charged.
        await saga.stop(orderTask)
        let task = saga.start()
        #expect(await saga.eventually { await saga.drained() })
        await saga.stop(task)
        #expect(try await saga.checkout.checkoutStatus(orderID: placed.id) == nil)
        #expect(try await saga.checkout.account("default").balanceCents == 1_000_000_00)
        #expect(try await saga.orders.order(placed.id).status == .canceled)
        #expect(try await saga.fulfillment.notifications(orderID: placed.id).map(\.kind) == ["canceled"])
        try await saga.checkInvariants()
    }
}
