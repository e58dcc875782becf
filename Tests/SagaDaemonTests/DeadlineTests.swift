import FulfillmentService
import Foundation
import GRDB
import OrderService
import SagaDaemon
import SagaLog
import Testing
@testable import SagaMessaging

/// The two deadlines, in process: a payment timeout cancels through the cancel step (a late
/// payment is refunded) and a fulfillment timeout fails through the compensation step (work
/// that finishes later changes nothing), with money exact.
@Suite struct DeadlineTests {
    static let hourLater = nowMillis() + 3_600_000 * 24

    @Test func aPaymentPastItsDeadlineIsCanceledAndALatePaymentRefunded() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let task = saga.start()
        // Checkout charges, but the order service does not hear of it: the order stays created.
        await saga.orders.host.consumer.pauseConsuming()
        let before = try await saga.checkout.account("default").balanceCents
        let placed = try await saga.orders.placeOrder(amountCents: 777, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.eventually { try await saga.checkout.checkoutStatus(orderID: placed.id) == .successful })
        #expect(try await saga.orders.overdueOrders(fulfillmentTimeout: nil, now: Self.hourLater) == (1, 0))
        #expect(await saga.orders.sweepPaymentDeadlines(now: Self.hourLater) == 1)
        #expect(await saga.orders.sweepPaymentDeadlines(now: Self.hourLater) == 0)
        #expect(try await saga.orders.overdueOrders(fulfillmentTimeout: nil, now: Self.hourLater) == (0, 0))
        #expect(try await saga.eventually { try await saga.checkout.checkoutStatus(orderID: placed.id) == .refunded })
        saga.orders.host.consumer.resumeConsuming()
        let order = try await saga.settled(placed.id)
        #expect(order.status == .canceled)
        #expect(order.history?[1].reason == "payment not taken within 15m; canceled")
        // Both late reports are recorded (in either order: they come on different topics); neither moves the order.
        #expect(try await saga.eventually {
            let reasons = try await saga.orders.order(placed.id).history?.compactMap(\.reason) ?? []
            return reasons.contains("payment refunded") && reasons.contains("payment captured after cancel; refund pending")
        })
        #expect(try await saga.orders.order(placed.id).status == .canceled)
        #expect(try await saga.checkout.account("default").balanceCents == before)
        #expect(try await saga.eventually { await saga.drained() })
        await saga.stop(task)
        try await saga.checkInvariants(expectOrders: 1)
    }

    @Test func anOrderWithinItsPaymentDeadlineIsLeftAlone() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        await saga.checkout.host.consumer.pauseConsuming()
        let placed = try await saga.orders.placeOrder(amountCents: 100, accountID: nil, idempotencyKey: nil)
        #expect(await saga.orders.sweepPaymentDeadlines(now: nowMillis() + 14 * 60_000) == 0)
        await saga.orders.updateSettings(OrderSettings(maxInFlight: 100_000, paymentTimeout: nil))
        #expect(await saga.orders.sweepPaymentDeadlines(now: Self.hourLater) == 0)
        #expect(try await saga.orders.overdueOrders(fulfillmentTimeout: nil, now: Self.hourLater) == (0, 0))
        #expect(try await saga.orders.order(placed.id).status == .created)
    }

    /// The sweeper runs by itself: a reload that shortens the timeout cancels the waiting order.
    @Test func theSweeperCancelsOnItsOwnAfterAReload() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let task = saga.start()
        await saga.checkout.host.consumer.pauseConsuming()
        let placed = try await saga.orders.placeOrder(amountCents: 100, accountID: nil, idempotencyKey: nil)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await saga.orders.order(placed.id).status == .created)
        await saga.orders.updateSettings(OrderSettings(maxInFlight: 100_000, paymentTimeout: .milliseconds(200)))
        #expect(try await saga.eventually(timeout: .seconds(30)) { try await saga.orders.order(placed.id).status == .canceled })
        saga.checkout.host.consumer.resumeConsuming()
        _ = try await saga.settled(placed.id)
        #expect(try await saga.eventually { await saga.drained() })
        await saga.stop(task)
        try await saga.checkInvariants(expectOrders: 1)
    }

    @Test func aFulfillmentPastItsDeadlineFailsIsRefundedAndItsLateWorkChangesNothing() async throws {
        let saga = try SagaHarness(workDuration: .seconds(2))
        defer { saga.close() }
        let task = saga.start()
        let before = try await saga.checkout.account("default").balanceCents
        let placed = try await saga.orders.placeOrder(amountCents: 4321, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.eventually { try await saga.fulfillment.fulfillmentStatus(orderID: placed.id) == .pending })
        #expect(try await saga.orders.overdueOrders(fulfillmentTimeout: .seconds(1800), now: Self.hourLater) == (0, 1))
        #expect(await saga.fulfillment.sweepDeadlines(now: Self.hourLater) == 1)
        let order = try await saga.settled(placed.id)
        #expect(order.status == .refunded)
        #expect(order.history?.map(\.status) == [.created, .processing, .failed, .refunded])
        #expect(order.history?[2].reason == "fulfillment timed out after 30m")
        #expect(try await saga.checkout.account("default").balanceCents == before)
        // The worker finishes its 2 s of work afterwards: neither the fulfillment nor the order moves.
        #expect(try await saga.eventually { saga.fulfillment.liveWorkers == 0 })
        #expect(try await saga.eventually { await saga.drained() })
        #expect(try await saga.fulfillment.fulfillmentStatus(orderID: placed.id) == .failed)
        #expect(try await saga.orders.order(placed.id).status == .refunded)
        #expect(try await saga.fulfillment.notifications(orderID: placed.id).map(\.kind) == ["failed"])
        await saga.stop(task)
        try await saga.checkInvariants(expectOrders: 1)
    }

    /// A fulfillment that finished first is not failed by the deadline.
    @Test func aFinishedFulfillmentIsNotTimedOut() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let task = saga.start()
        let placed = try await saga.orders.placeOrder(amountCents: 50, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.settled(placed.id).status == .finished)
        #expect(await saga.fulfillment.sweepDeadlines(now: Self.hourLater) == 0)
        var settings = FulfillmentSettings()
        settings.timeout = nil
        await saga.fulfillment.updateSettings(settings)
        #expect(await saga.fulfillment.timeout == nil)
        await saga.stop(task)
        try await saga.checkInvariants(expectOrders: 1)
    }

    @Test func sortableIDBoundsSplitByMillisecond() {
        let bound = SortableID.lowerBound(millis: 1_700_000_000_000)
        #expect(bound.count == 13)
        #expect(SortableID.make(millis: 1_699_999_999_999) < bound)
        #expect(SortableID.make(millis: 1_700_000_000_000) > bound)
    }

    @Test func durationsAreToldInTheirLargestExactUnit() {
        #expect(Duration.seconds(900).deadlineText == "15m")
        #expect(Duration.seconds(90).deadlineText == "90s")
        #expect(Duration.milliseconds(1500).deadlineText == "1500ms")
        #expect(Duration.seconds(7200).deadlineText == "2h")
    }
}
