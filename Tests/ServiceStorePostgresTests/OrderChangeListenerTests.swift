import PostgresNIO
import SagaMessaging
import Testing

@testable import OrderService
@testable import ServiceStorePostgres

/// LISTEN/NOTIFY for order changes against the real server `SAGAD_POSTGRES_URL` names.
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct OrderChangeListenerTests {
    /// A committed notification arrives; a rolled-back one never does (the next committed one
    /// is the next to arrive), and one inside an open transaction waits for its commit.
    @Test func committedChangesArriveAndRolledBackOnesDoNot() async throws {
        try await withFreshStore { _, store in
            let listener = try await OrderChangeListener.start(store: store, logger: testLogger)
            var orderIDs = listener.orderIDs.makeAsyncIterator()
            try await store.client.withTransaction(logger: testLogger) { connection in
                try await OrderChangeNotification.notify(orderID: "order-1", on: connection, logger: testLogger)
            }
            #expect(try await orderIDs.next() == "order-1")

            struct Rollback: Error {}
            await #expect(throws: PostgresTransactionError.self) {
                try await store.client.withTransaction(logger: testLogger) { connection in
                    try await OrderChangeNotification.notify(orderID: "order-2", on: connection, logger: testLogger)
                    throw Rollback()
                }
            }
            let open = try await store.openConnection()
            try await open.query("BEGIN", logger: testLogger)
            try await OrderChangeNotification.notify(orderID: "order-3", on: open, logger: testLogger)
            try await store.client.withTransaction(logger: testLogger) { connection in
                try await OrderChangeNotification.notify(orderID: "order-4", on: connection, logger: testLogger)
            }
            #expect(try await orderIDs.next() == "order-4")
            try await open.query("COMMIT", logger: testLogger)
            #expect(try await orderIDs.next() == "order-3")
            try await open.close()
            await listener.close()
        }
    }

    /// Every listener, on every instance, hears a change; a closed listener's sequence ends.
    @Test func everyListenerHearsAChangeAndAClosedOneEnds() async throws {
        try await withFreshStore { database, store in
            let other = database.store()
            let first = try await OrderChangeListener.start(store: store, logger: testLogger)
            let second = try await OrderChangeListener.start(store: other, logger: testLogger)
            try await store.client.withConnection { connection in
                try await OrderChangeNotification.notify(orderID: "order-9", on: connection, logger: testLogger)
            }
            var firstIDs = first.orderIDs.makeAsyncIterator(), secondIDs = second.orderIDs.makeAsyncIterator()
            #expect(try await firstIDs.next() == "order-9")
            #expect(try await secondIDs.next() == "order-9")
            await first.close()
            #expect(try await firstIDs.next() == nil)
            await second.close()
            await other.close()
        }
    }

    /// The listener's connection dies (server restart, network): the sequence ends with an
    /// error saying so, rather than waiting forever for notifications that cannot come.
    @Test func aListenerWhoseConnectionDiesEndsWithAnError() async throws {
        try await withFreshStore { _, store in
            let listener = try await OrderChangeListener.start(store: store, logger: testLogger)
            var orderIDs = listener.orderIDs.makeAsyncIterator()
            let killed = try await strings("""
                SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity
                WHERE datname = current_database() AND query LIKE 'LISTEN%'
                """, on: store.client)
            #expect(killed == ["true"])
            do {
                let next = try await orderIDs.next()
                Issue.record("expected the sequence to fail, got \(String(describing: next))")
            } catch {
                #expect(error as? PostgresStoreError == .listenerConnectionLost(channel: "order_changed"))
            }
            await listener.close()
        }
    }
}

/// The order service's steps, run on PostgreSQL, notify every listener of the orders they
/// change, at commit: the schema's trigger does it, not the steps.
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct OrderStepNotificationTests {
    @Test func placingAndMovingAnOrderNotifyAtCommitAndARollbackDoesNot() async throws {
        try await withFreshStore { _, store in
            _ = try await PostgresMigrator(.orders).migrate(on: store.client, logger: testLogger)
            let writer = try await PostgresWriter(store: store, schema: .orders, threadName: "pg-notify", logger: testLogger)
            let listener = try await OrderChangeListener.start(store: store, logger: testLogger)
            var heard = listener.orderIDs.makeAsyncIterator()
            func placement(_ id: String) -> OrderPlacement {
                OrderPlacement(id: id, accountID: "a", amountCents: 100, idempotencyKey: nil, fingerprint: "100|a",
                               maxInFlight: 100, trace: TraceContext.newTrace())
            }
            let first = placement("first"), second = placement("second")
            _ = try await writer.write { db in try first.insert(in: db) }
            #expect(try await heard.next() == "first")
            struct Rollback: Error {}
            await #expect(throws: Rollback.self) {
                try await writer.write { db in
                    _ = try second.insert(in: db)
                    throw Rollback()
                }
            }
            let moved = try await writer.write { db in
                try OrderTransitions.move("first", from: .created, to: .processing, reason: "payment captured", in: db)
            }
            #expect(moved)
            // The rolled-back placement was never announced: the move is the next thing heard.
            #expect(try await heard.next() == "first")
            await listener.close()
            await writer.close()
        }
    }
}
