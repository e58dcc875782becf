import Foundation
@testable import OrderService
import Testing

/// Long polls woken by a change the order service's consumer committed answer from the view
/// it published with the change; a change made elsewhere leaves them reading the database.
@Suite struct PublishedOrderViewsTests {
    @Test func aWaitedOrdersChangeIsPublishedWithItAndALaterChangeRetiresTheView() async throws {
        let saga = try SagaHarness(workDuration: .milliseconds(200))
        defer { saga.close() }
        let task = saga.start()
        let placed = try await saga.orders.placeOrder(amountCents: 500, accountID: nil, idempotencyKey: nil)
        // Waiting from the start, so every change the consumer commits finds a waiter.
        let settled = try await saga.settled(placed.id)
        #expect(settled.status == .finished)
        let orders = saga.orders
        let version = orders.changes.version(of: placed.id)
        let published = try #require(orders.publishedViews.view(of: placed.id, currentAt: version),
                                     "the finishing change was published with the order's view")
        #expect(published.status == .finished)
        #expect(published.history?.map(\.status) == [.created, .processing, .finished])
        #expect(try await orders.order(placed.id) == published)
        // A change the consumer did not publish (a cancel, a deadline sweep) retires the view.
        orders.changes.notify([placed.id])
        #expect(orders.publishedViews.view(of: placed.id, currentAt: orders.changes.version(of: placed.id)) == nil)
        #expect(try await orders.waitForChange(placed.id, seenChanges: 0, untilTerminal: false, timeout: .seconds(1)) == settled)
        await saga.stop(task)
    }

    @Test func aPlacedOrdersViewIsPublishedAsTheDatabaseHasIt() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        // The services are not running: the order stays as placed.
        let placed = try await saga.orders.placeOrder(amountCents: 700, accountID: nil, idempotencyKey: nil)
        let orders = saga.orders
        let published = try #require(orders.publishedViews.view(of: placed.id, currentAt: orders.changes.version(of: placed.id)))
        #expect(try await orders.order(placed.id) == published)
        #expect(published.history?.count == 1)
        // A change made without publishing retires the view.
        orders.changes.notify([placed.id])
        #expect(orders.publishedViews.view(of: placed.id, currentAt: orders.changes.version(of: placed.id)) == nil)
    }

    @Test func anOrderNobodyWaitsOnIsNotReadAfterItsChanges() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let task = saga.start()
        let placed = try await saga.orders.placeOrder(amountCents: 500, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.eventually { try await saga.orders.order(placed.id).status == .finished })
        let orders = saga.orders
        // Its placed view was retired by its first change, and no later one was published.
        #expect(orders.publishedViews.view(of: placed.id, currentAt: orders.changes.version(of: placed.id)) == nil)
        await saga.stop(task)
    }

    @Test func aPollForTheSettledOrderIsNotWokenOrServedAtProcessing() async throws {
        let saga = try SagaHarness(workDuration: .milliseconds(300))
        defer { saga.close() }
        let task = saga.start()
        let placed = try await saga.orders.placeOrder(amountCents: 500, accountID: nil, idempotencyKey: nil)
        let orders = saga.orders
        let settled = Task { try await orders.waitForChange(placed.id, seenChanges: nil, untilTerminal: true, timeout: .seconds(20)) }
        #expect(try await saga.eventually { try await orders.order(placed.id).status == .processing })
        // Only a poll for the settled order waits: the move to processing woke nobody, so its
        // view was not read and published (a poll for any change would have had it published).
        #expect(orders.publishedViews.view(of: placed.id, currentAt: orders.changes.version(of: placed.id)) == nil)
        let view = try await settled.value
        #expect(view.status == .finished)
        #expect(view.history?.map(\.status) == [.created, .processing, .finished])
        let published = try #require(orders.publishedViews.view(of: placed.id, currentAt: orders.changes.version(of: placed.id)),
                                     "the finishing change was published for the poll it woke")
        #expect(published == view)
        await saga.stop(task)
    }

    @Test func aCancelThroughTheAPIWakesAPollForTheSettledOrder() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        // The services are not running: only the cancel can settle the order.
        let placed = try await saga.orders.placeOrder(amountCents: 700, accountID: nil, idempotencyKey: nil)
        let orders = saga.orders
        let started = ContinuousClock.now
        let settled = Task { try await orders.waitForChange(placed.id, seenChanges: nil, untilTerminal: true, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        _ = try await orders.cancel(placed.id)
        let view = try await settled.value
        #expect(view.status == .canceled)
        #expect(started.duration(to: .now) < .seconds(10), "woken by the cancel, not by its timeout")
    }
}
