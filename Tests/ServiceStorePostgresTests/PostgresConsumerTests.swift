import Foundation
import Logging
import MessageLog
import SagaLog
import Testing

@testable import CheckoutService
@testable import SagaMessaging
@testable import ServiceStorePostgres

/// A service's consumer committing to PostgreSQL (`ServiceConsumer<PostgresWriter>`) against
/// the real server `SAGAD_POSTGRES_URL` names, over an embedded log: checkout's payment step
/// applied once per event (a redelivered event is dropped by the inbox), its events in the
/// outbox in the same transaction, and the offsets committed after.
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct PostgresConsumerTests {
    @Test func checkoutConsumesIntoPostgreSQLOncePerEventAndCommitsItsOffsets() async throws {
        let (log, directory) = try temporarySagaLog(partitions: 2)
        defer { close(log, removing: directory) }

        try await withFreshStore { _, store in
            _ = try await PostgresMigrator(.checkout).migrate(on: store.client, logger: testLogger)
            let writer = try await PostgresWriter(store: store, schema: .checkout, threadName: "pg-checkout", logger: testLogger)
            try await writer.write { db in
                try db.run("INSERT INTO accounts (id, balance_cents) VALUES ('alice', 100000)")
                try db.run("INSERT INTO deposits (account_id, amount_cents, at) VALUES ('alice', 100000, 0)")
            }
            let consumer = ServiceConsumer(
                service: "checkout", group: "checkout", types: [.orderPending], log: log, writer: writer,
                logger: testLogger, handler: { event, db in try Payments.apply(event, in: db) })
            let running = Task { await consumer.run() }

            // 20 orders of 1.00 .. 20.00; the fifth is delivered twice (the same event again).
            var events = (1...20).map { SagaEvent(type: .orderPending, orderID: "o\($0)", accountID: "alice", amountCents: Int64($0) * 100) }
            events.append(events[4])
            for event in events { _ = try await log.append(try EventCodec.record(for: event), to: event.type.topic) }

            let deadline = ContinuousClock.now + .seconds(20)
            var lag: Int64 = -1
            while ContinuousClock.now < deadline {
                lag = log.groupLag().filter { $0.group == "checkout" }.reduce(0) { $0 + $1.lag }
                if lag == 0, log.groupLag().contains(where: { $0.group == "checkout" }) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            running.cancel()
            await running.value

            let counts = try await writer.write { db in
                try ["checkouts", "inbox", "outbox", "payment_movements"].map { table in
                    "\(table) \(try db.firstRow("SELECT COUNT(*) FROM \(table)") { $0.int64(0) } ?? -1)"
                } + ["alice \(try db.firstRow("SELECT balance_cents FROM accounts WHERE id = 'alice'") { $0.int64(0) } ?? -1)"]
            }
            await writer.close()
            #expect(lag == 0, "every event's offset committed")
            // 21 deliveries, 20 effects: 210.00 charged once each.
            #expect(counts == ["checkouts 20", "inbox 20", "outbox 20", "payment_movements 20", "alice 79000"])
        }
    }

    @Test func theServerGoingAwayIsTransientAndAStatementsFaultIsNot() async throws {
        try await withFreshStore { _, store in
            _ = try await PostgresMigrator(.checkout).migrate(on: store.client, logger: testLogger)
            // A short answer timeout: now and then the query the server terminates the session in
            // never gets its answer from PostgresNIO (see PostgresSession); the timeout ends it.
            let writer = try await PostgresWriter(
                store: store, schema: .checkout, threadName: "pg-transient", answerTimeout: .seconds(2), logger: testLogger)
            var faults: [Bool] = []
            do {
                try await writer.write { db in try db.run("INSERT INTO accounts (id, balance_cents) VALUES ('x', -1)") }
            } catch {
                faults.append(writer.isTransient(error))  // a CHECK constraint: the write's own fault
            }
            do {
                // The server ends this session's backend: the connection is gone mid-transaction.
                try await writer.write { db in try db.run("SELECT pg_terminate_backend(pg_backend_pid())") }
            } catch {
                faults.append(writer.isTransient(error))
            }
            // The next write connects again and succeeds.
            let after = try await writer.write { db in try db.firstRow("SELECT 41 + 1") { $0.int64(0) } }
            await writer.close()
            #expect(faults == [false, true])
            #expect(after == 42)
        }
    }
}
