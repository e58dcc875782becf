@testable import FulfillmentService
import Foundation
import GRDB
@testable import OrderService
import SagaMessaging
import Testing

/// The sweepers' queries are one index range each (their cost follows the orders due, not the
/// table), and databases from before the deadlines migrate.
@Suite struct DeadlineQueryTests {
    /// The plan's detail lines for `sql` on `database`.
    func plan(_ sql: String, _ arguments: StatementArguments, in database: DatabasePool) throws -> [String] {
        try database.read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] } }
    }

    @Test func thePaymentSweepIsARangeOfTheStatusIndex() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let database = saga.orders.host.database
        for sql in [OrderDeadlines.dueSQL, OrderDeadlines.countDueSQL] {
            let arguments: StatementArguments = sql.contains("LIMIT") ? ["x", 10] : ["x"]
            let detail = try plan(sql, arguments, in: database)
            #expect(detail.count == 1 && detail[0].contains("USING COVERING INDEX orders_status (status=? AND id<?)"),
                    "\(sql): \(detail)")
        }
        let processing = try plan(OrderDeadlines.countProcessingSQL, [0], in: database)
        #expect(processing.count == 1 && processing[0].contains("USING INDEX orders_status (status=?)"), "\(processing)")
    }

    @Test func theFulfillmentSweepIsARangeOfTheStatusSinceIndex() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        let detail = try plan(FulfillmentDeadlines.dueSQL, [0, 10], in: saga.fulfillment.host.database)
        // One search of the index, in its order: no temporary B-tree for the ORDER BY.
        #expect(detail.count == 1 && detail[0].contains("USING INDEX fulfillments_status_since (status=? AND processing_since<?)"),
                "\(detail)")
    }

    /// A pending fulfillment stored before the column existed counts from its creation.
    @Test func anOlderFulfillmentDatabaseMigrates() throws {
        let path = NSTemporaryDirectory() + "fulfillment-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let migrator = ServiceSchema.fulfillment.migrator
        let queue = try DatabaseQueue(path: path)
        try migrator.migrate(queue, upTo: "outbox record key")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO fulfillments (id, order_id, status, created_at, updated_at)
                VALUES ('f1', 'o1', 'pending', 1000, 1000), ('f2', 'o2', 'successful', 2000, 3000)
                """)
        }
        try migrator.migrate(queue)
        let (since, due, notYet, indexes) = try queue.read { db in
            (try Int64.fetchAll(db, sql: "SELECT processing_since FROM fulfillments ORDER BY id"),
             try FulfillmentDeadlines.due(since: 1000, limit: 10, in: db),
             try FulfillmentDeadlines.due(since: 999, limit: 10, in: db),
             try db.indexes(on: "fulfillments").map(\.name))
        }
        #expect(since == [1000, 2000])
        #expect(due == ["o1"] && notYet.isEmpty)
        #expect(indexes.contains("fulfillments_status_since") && !indexes.contains("fulfillments_status"))
    }
}
