import Foundation
import GRDB
import SagaMessaging
import Testing

@testable import CheckoutService
@testable import ServiceStorePostgres

/// `PostgresSession` against the real server `SAGAD_POSTGRES_URL` names: values round trip,
/// misuse is refused, and checkout's payment steps, written once, leave the same state on
/// PostgreSQL as on SQLite.
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct PostgresSessionTests {
    /// Opens a session on `schema` (migrated first) and runs `body` with it on a thread of its
    /// own, as the services' thread would: the session blocks.
    private func withSession<Value: Sendable>(
        schema: PostgresServiceSchema, _ body: @escaping @Sendable (PostgresSession) throws -> Value
    ) async throws -> Value {
        var result: Result<Value, any Error>?
        try await withFreshStore { _, store in
            _ = try await PostgresMigrator(schema).migrate(on: store.client, logger: testLogger)
            let session = try await PostgresSession.open(store, schema: schema, logger: testLogger)
            nonisolated(unsafe) let unchecked = session
            result = await onThreadOfItsOwn { Result { try body(unchecked) } }
            await session.close()
        }
        return try #require(result).get()
    }

    @Test func valuesRoundTripAndChangesAreCounted() async throws {
        let schema = try PostgresServiceSchema(name: "session_values", steps: [
            .init("create values", ["CREATE TABLE vals (id BIGINT PRIMARY KEY, t TEXT, b BYTEA, n BIGINT, flag BOOLEAN)"]),
        ])
        let rows = try await withSession(schema: schema) { session in
            try session.transaction { db in
                for (id, text, bytes, number) in [(1, "", [UInt8](), Int64.min), (2, "naïve ✓ 'quoted'", [0, 255, 0], Int64.max)] {
                    try db.run("INSERT INTO vals (id, t, b, n, flag) VALUES (?, ?, ?, ?, ?2 = '')") {
                        $0.bind(id)
                        $0.bind(text)
                        $0.bind(bytes)
                        $0.bind(number)
                    }
                }
                try db.run("INSERT INTO vals (id, t, b, n, flag) VALUES (3, NULL, NULL, NULL, NULL)")
                try db.run("UPDATE vals SET n = n WHERE id >= ?") { $0.bind(2) }
                #expect(db.changesCount == 2)
            }
            return try session.allRows("SELECT id, t, b, n, flag FROM vals ORDER BY id") {
                "\($0.int64(0)) \($0.optionalText(1) ?? "nil") \($0.bytes(2)) \($0.optionalInt64(3).map(String.init) ?? "nil") "
                    + "\($0.isNull(4) ? "nil" : String($0.int64(4)))"
            }
        }
        #expect(rows == [
            "1  [] \(Int64.min) 1",
            "2 naïve ✓ 'quoted' [0, 255, 0] \(Int64.max) 0",
            "3 nil [] nil nil",
        ])
    }

    @Test func misuseIsRefusedAndAFailedTransactionKeepsNothing() async throws {
        let schema = try PostgresServiceSchema(name: "session_misuse", steps: [
            .init("create keys", ["CREATE TABLE keys (id TEXT PRIMARY KEY, n BIGINT)"]),
        ])
        let outcome = try await withSession(schema: schema) { session -> [String] in
            var said: [String] = []
            do {
                try session.run("INSERT INTO keys (id, n) VALUES (?, ?)") { $0.bind("only one") }
            } catch let error as PostgresStoreError {
                said.append("\(error)")
            }
            do {
                try session.transaction { db in
                    try db.run("INSERT INTO keys (id, n) VALUES (?, ?)") { $0.bind("a"); $0.bind(1) }
                    try db.run("INSERT INTO keys (id, n) VALUES (?, ?)") { $0.bind("a"); $0.bind(2) }
                }
            } catch PostgresStoreError.statementFailed(_, _, let state) {
                said.append("SQLSTATE \(state ?? "none")")
            }
            do {
                _ = try session.firstRow("SELECT id FROM keys WHERE id = 'x' OR true") { $0.int64(0) }
                said.append("no row")
            } catch let error as PostgresStoreError {
                said.append("\(error)")
            }
            try session.run("INSERT INTO keys (id, n) VALUES ('text', 1)")
            do {
                _ = try session.firstRow("SELECT id FROM keys") { $0.int64(0) }
            } catch PostgresStoreError.unexpectedColumn(_, let column, let reason) {
                said.append("column \(column) \(reason)")
            }
            said.append("rows: \(try session.firstRow("SELECT COUNT(*) FROM keys") { $0.int64(0) } ?? -1)")
            return said
        }
        #expect(outcome == [
            "1 parameters bound, the statement has 2: INSERT INTO keys (id, n) VALUES (?, ?)",
            "SQLSTATE 23505",  // the duplicate key; the first insert went with the rollback
            "no row",
            "column 0 is TEXT, not an integer",
            "rows: 1",
        ])
    }

    /// A server that does not answer in time fails the call as a passing fault (no SQLSTATE)
    /// instead of holding the thread, and the next transaction connects again.
    @Test func aServerThatDoesNotAnswerInTimeFailsTheCallAndTheNextConnectsAgain() async throws {
        try await withFreshStore { _, store in
            let schema = try PostgresServiceSchema(name: "session_timeout", steps: [.init("nothing", ["SELECT 1"])])
            _ = try await PostgresMigrator(schema).migrate(on: store.client, logger: testLogger)
            let session = try await PostgresSession.open(store, schema: schema, answerTimeout: .milliseconds(500), logger: testLogger)
            nonisolated(unsafe) let unchecked = session
            let outcome = await onThreadOfItsOwn { () -> (String, Duration, Int64?) in
                let started = ContinuousClock.now
                var said = "answered"
                do {
                    try unchecked.transaction { db in try db.run("SELECT pg_sleep(10)") }
                } catch PostgresStoreError.statementFailed(_, let reason, let state) {
                    said = "\(state ?? "no SQLSTATE"): \(reason)"
                } catch {
                    said = "\(error)"
                }
                let took = started.duration(to: .now)
                let after = try? unchecked.transaction { db in try db.firstRow("SELECT 7 * 6") { $0.int64(0) } }
                return (said, took, after ?? nil)
            }
            await session.close()
            #expect(outcome.0.hasPrefix("no SQLSTATE: no answer from the server within"), "\(outcome.0)")
            #expect(outcome.1 < .seconds(5), "it gave up at its timeout, not after the statement")
            #expect(outcome.2 == 42)
        }
    }

    /// Checkout's payment steps, the same events, on SQLite and on PostgreSQL: the same money.
    @Test func paymentStepsLeaveTheSameStateOnBothStores() async throws {
        let sqlite = try DatabaseQueue()
        try ServiceSchema.checkout.migrator.migrate(sqlite)
        try await sqlite.write { try PaymentScenario.seed($0) }
        for event in PaymentScenario.events {
            try await sqlite.write { try Payments.apply(event, in: $0) }
        }
        let onSQLite = try await sqlite.read { try PaymentScenario.state($0) }

        let onPostgres = try await withSession(schema: .checkout) { session in
            try session.transaction { try PaymentScenario.seed($0) }
            for event in PaymentScenario.events {
                try session.transaction { try Payments.apply(event, in: $0) }
            }
            return try PaymentScenario.state(session)
        }
        #expect(onSQLite == PaymentScenario.expected)
        #expect(onPostgres == onSQLite)
    }
}

private enum PaymentScenario {
    struct State: Equatable, Sendable {
        var accounts: [String]
        var checkouts: [String]
        var movements: [String]
        var tombstones: [String]
        var outbox: [String]
    }

    static func seed<Session: SQLSession>(_ db: Session) throws {
        for (account, cents) in [("alice", Int64(1000)), ("bob", 100)] {
            try db.run("INSERT INTO accounts (id, balance_cents) VALUES (?, ?)") { $0.bind(account); $0.bind(cents) }
            try db.run("INSERT INTO deposits (account_id, amount_cents, at) VALUES (?, ?, 0)") { $0.bind(account); $0.bind(cents) }
        }
    }

    static let events: [SagaEvent] = [
        SagaEvent(type: .orderPending, orderID: "o1", accountID: "alice", amountCents: 300),
        SagaEvent(type: .orderPending, orderID: "o2", accountID: "bob", amountCents: 500),
        SagaEvent(type: .orderPending, orderID: "o3", accountID: "nobody", amountCents: 100),
        SagaEvent(type: .orderCanceled, orderID: "o4"),  // before its payment: a tombstone
        SagaEvent(type: .orderPending, orderID: "o4", accountID: "alice", amountCents: 100),
        SagaEvent(type: .orderFailed, orderID: "o1"),  // refunded once
        SagaEvent(type: .orderFailed, orderID: "o1"),
        SagaEvent(type: .orderPending, orderID: "o1", accountID: "alice", amountCents: 300),  // already paid
        SagaEvent(type: .orderCanceled, orderID: "o2"),  // refused: nothing to refund
    ]

    static let expected = State(
        accounts: ["alice 1000", "bob 100"],
        checkouts: ["o1 refunded 300 order failed", "o2 failed 500 insufficient balance", "o3 failed 100 unknown account nobody"],
        movements: ["o1 charge 300", "o1 refund 300"],
        tombstones: ["o4"],
        outbox: ["checkout_successful o1", "checkout_failed o2", "checkout_failed o3", "checkout_refunded o1"])

    static func state<Session: SQLSession>(_ db: Session) throws -> State {
        State(
            accounts: try db.allRows("SELECT id, balance_cents FROM accounts ORDER BY id") { "\(try $0.text(0)) \($0.int64(1))" },
            checkouts: try db.allRows("SELECT order_id, status, amount_cents, reason FROM checkouts ORDER BY order_id") {
                "\(try $0.text(0)) \(try $0.text(1)) \($0.int64(2)) \($0.optionalText(3) ?? "-")"
            },
            movements: try db.allRows("SELECT order_id, kind, amount_cents FROM payment_movements ORDER BY order_id, kind") {
                "\(try $0.text(0)) \(try $0.text(1)) \($0.int64(2))"
            },
            tombstones: try db.allRows("SELECT order_id FROM cancel_tombstones ORDER BY order_id") { try $0.text(0) },
            outbox: try db.allRows("SELECT topic, record_key FROM outbox ORDER BY seq") { "\(try $0.text(0)) \(try $0.text(1))" })
    }
}

/// Runs `body` on a new thread (not Swift's cooperative pool) and returns what it returned.
func onThreadOfItsOwn<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
