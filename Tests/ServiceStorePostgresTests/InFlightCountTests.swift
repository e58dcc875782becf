import GRDB
import PostgresNIO
import SagaMessaging
import Testing
@testable import OrderService
@testable import ServiceStorePostgres

/// The in-flight count `max_in_flight` is checked against is kept by triggers, in SQLite and in
/// PostgreSQL alike: it must equal the orders in `created` or `processing` after any mix of
/// inserts, status changes and deletes.
@Suite struct InFlightCountTests {
    /// Statements in both stores' dialect; after each, the kept count must equal a fresh count.
    static let scenario = [
        "INSERT INTO orders (id, account_id, amount_cents, status, created_at, updated_at) VALUES ('a', 'x', 1, 'created', 0, 0)",
        "INSERT INTO orders (id, account_id, amount_cents, status, created_at, updated_at) VALUES ('b', 'x', 1, 'created', 0, 0)",
        "INSERT INTO orders (id, account_id, amount_cents, status, created_at, updated_at) VALUES ('c', 'x', 1, 'failed', 0, 0)",
        "UPDATE orders SET status = 'processing' WHERE id = 'a'",
        "UPDATE orders SET updated_at = 5 WHERE id = 'a'",
        "UPDATE orders SET status = 'finished' WHERE id = 'a'",
        "UPDATE orders SET status = 'refunded' WHERE id = 'c'",
        "INSERT INTO orders (id, account_id, amount_cents, status, created_at, updated_at) VALUES ('d', 'x', 1, 'created', 0, 0)",
        "UPDATE orders SET status = 'canceled' WHERE id = 'b'",
        "DELETE FROM orders WHERE id = 'd'",
        "INSERT INTO orders (id, account_id, amount_cents, status, created_at, updated_at) VALUES ('e', 'x', 1, 'created', 0, 0)",
    ]
    static let kept = "SELECT value FROM order_counts WHERE name = 'in_flight'"
    static let counted = "SELECT COUNT(*) FROM orders WHERE status IN ('created', 'processing')"

    @Test func theKeptCountFollowsEveryChangeInSQLite() throws {
        let queue = try DatabaseQueue()
        try ServiceSchema.orders.migrator.migrate(queue)
        var kept: [Int] = []
        try queue.write { db in
            for statement in Self.scenario {
                try db.execute(sql: statement)
                let value = try Int.fetchOne(db, sql: Self.kept)
                #expect(value == (try Int.fetchOne(db, sql: Self.counted)), "after \(statement)")
                kept.append(value ?? -1)
            }
        }
        #expect(kept == Self.expected)
    }

    static let expected = [1, 2, 2, 2, 2, 1, 1, 2, 1, 0, 1]

    @Test func aCountStartsFromTheOrdersAlreadyThere() throws {
        let queue = try DatabaseQueue()
        var migrator = ServiceSchema.orders.migrator
        try migrator.migrate(queue, upTo: "orders traceparent")
        try queue.write { db in for statement in Self.scenario.prefix(4) { try db.execute(sql: statement) } }
        migrator = ServiceSchema.orders.migrator
        try migrator.migrate(queue)
        #expect(try queue.read { db in try Int.fetchOne(db, sql: Self.kept) } == 2)
    }
}

@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct InFlightCountPostgresTests {
    @Test func theKeptCountFollowsEveryChangeInPostgreSQL() async throws {
        try await withFreshStore { _, store in
            try await PostgresMigrator(.orders).migrate(on: store.client, logger: testLogger)
            let kept = try await store.client.withConnection { connection -> [Int] in
                func value(_ sql: String) async throws -> Int? {
                    for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: testLogger).decode(Int.self) {
                        return value
                    }
                    return nil
                }
                try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO orders"), logger: testLogger)
                var kept: [Int] = []
                for statement in InFlightCountTests.scenario {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: testLogger)
                    let count = try await value(InFlightCountTests.kept)
                    #expect(count == (try await value(InFlightCountTests.counted)), "after \(statement)")
                    kept.append(count ?? -1)
                }
                return kept
            }
            #expect(kept == InFlightCountTests.expected)
        }
    }
}
