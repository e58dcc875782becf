import Foundation
import GRDB
@testable import OrderService
import SagaMessaging
import Testing

/// The read that publishes an order's view after every change is two index searches, whatever
/// the number of orders, and returns the history in the order it was written.
@Suite struct OrderViewQueryTests {
    @Test func theViewWithItsHistoryIsTwoIndexSearchesWithoutASort() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let detail = try await saga.orders.host.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + OrderQueries.viewWithHistorySQL, arguments: ["x"])
                .map { $0["detail"] as String }
        }
        #expect(detail.count == 2, "\(detail)")
        #expect(detail.contains { $0.contains("SEARCH o USING INDEX sqlite_autoindex_orders_1 (id=?)") }, "\(detail)")
        #expect(detail.contains { $0.contains("SEARCH h USING INDEX order_status_history_order (order_id=?)") }, "\(detail)")
        #expect(!detail.contains { $0.contains("TEMP B-TREE") }, "the index gives the history in order: \(detail)")
    }

    @Test func anOrderReadsBackWithItsWholeHistoryInOrderAndAMissingOneIsNil() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let placed = try await saga.orders.placeOrder(amountCents: 700, accountID: nil, idempotencyKey: nil)
        let view = try await saga.orders.host.database.write { db -> OrderView? in
            for (status, reason) in [(OrderStatus.processing, "one"), (.finished, "two")] {
                try OrderTransitions.recordHistory(placed.id, status: status, reason: reason, at: 5, in: db)
            }
            try db.execute(sql: "UPDATE orders SET status = 'finished' WHERE id = ?", arguments: [placed.id])
            return try OrderQueries.order(placed.id, withHistory: true, in: db)
        }
        #expect(view?.id == placed.id && view?.status == .finished && view?.amountCents == 700)
        #expect(view?.history?.map(\.status) == [.created, .processing, .finished])
        #expect(view?.history?.map(\.reason) == [OrderService.placedReason, "one", "two"])
        let missing = try await saga.orders.host.database.read { try OrderQueries.order("nope", withHistory: true, in: $0) }
        #expect(missing == nil)
    }
}
