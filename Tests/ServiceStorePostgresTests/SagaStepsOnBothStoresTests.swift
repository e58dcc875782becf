import Foundation
import GRDB
import Testing

@testable import CheckoutService
@testable import FulfillmentService
@testable import OrderService
@testable import SagaMessaging
@testable import ServiceStorePostgres

/// The three services' saga steps, written once (`SQLSession`), driven by hand through the same
/// orders on SQLite and on PostgreSQL (the server `SAGAD_POSTGRES_URL` names): placements, a
/// replayed idempotency key, a refusal at the in-flight limit, a cancel, and every event each
/// outbox holds handed to the steps of the services that consume it, until nothing is left.
/// Both stores must end in the same state, and that state must be the saga's.
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct SagaStepsOnBothStoresTests {
    @Test func everyStepLeavesTheSameStateOnSQLiteAndPostgreSQL() async throws {
        let queues = (order: try DatabaseQueue(), checkout: try DatabaseQueue(), fulfillment: try DatabaseQueue())
        try ServiceSchema.orders.migrator.migrate(queues.order)
        try ServiceSchema.checkout.migrator.migrate(queues.checkout)
        try ServiceSchema.fulfillment.migrator.migrate(queues.fulfillment)
        let onSQLite = try await onThreadOfItsOwn {
            Result {
                try SagaByHand.run(
                    order: .sqlite(queues.order), checkout: .sqlite(queues.checkout), fulfillment: .sqlite(queues.fulfillment))
            }
        }.get()
        #expect(onSQLite.orders == ["A finished", "B failed", "C refunded", "D canceled", "E finished"])
        #expect(onSQLite.accounts == ["alice 600", "bob 100"])
        #expect(onSQLite.accountOperations == [
            "deposit: alice 1000", "create alice again: \(CheckoutError.accountExists("alice"))",
            "deposit to nobody: \(CheckoutError.accountNotFound("nobody"))",
        ])
        #expect(onSQLite.ledger.first == "balanced true: deposits 1100, balances 700, captured 750, refunded 350")
        #expect(onSQLite.placements == ["A placed", "B placed", "C placed", "D placed", "E placed", "E replayed",
                                        "F refused: overloaded"])

        var onPostgres: SagaByHand.State?
        try await withFreshStore { _, store in
            var sessions: [PostgresSession] = []
            for schema in [PostgresServiceSchema.orders, .checkout, .fulfillment] {
                _ = try await PostgresMigrator(schema).migrate(on: store.client, logger: testLogger)
                sessions.append(try await PostgresSession.open(store, schema: schema, logger: testLogger))
            }
            nonisolated(unsafe) let (order, checkout, fulfillment) = (sessions[0], sessions[1], sessions[2])
            let result = await onThreadOfItsOwn {
                Result {
                    try SagaByHand.run(order: .postgres(order), checkout: .postgres(checkout), fulfillment: .postgres(fulfillment))
                }
            }
            for session in sessions { await session.close() }
            onPostgres = try result.get()
        }
        #expect(onPostgres == onSQLite)
    }
}

/// One service's store, as the steps' driver sees it: a transaction, and a read.
private struct Store<Session: SQLSession> {
    let write: ((Session) throws -> Void) throws -> Void
    let read: ((Session) throws -> Void) throws -> Void

    static func sqlite(_ queue: DatabaseQueue) -> Store<Database> {
        Store<Database>(write: { body in try queue.write { try body($0) } }, read: { body in try queue.read { try body($0) } })
    }

    static func postgres(_ session: PostgresSession) -> Store<PostgresSession> {
        Store<PostgresSession>(write: { body in try session.transaction { try body($0) } }, read: { body in try body(session) })
    }
}

private enum SagaByHand {
    struct State: Equatable, Sendable {
        var placements: [String] = []
        var orders: [String] = []
        var histories: [String] = []
        var keys: [String] = []
        var accounts: [String] = []
        var checkouts: [String] = []
        var movements: [String] = []
        var tombstones: [String] = []
        var fulfillments: [String] = []
        var notifications: [String] = []
        var delivered: [String] = []
        var accountOperations: [String] = []
        var dueFulfillments: [String] = []
        var dueOrders: [String] = []
        var ledger: [String] = []
    }

    static func run<Session: SQLSession>(
        order: Store<Session>, checkout: Store<Session>, fulfillment: Store<Session>
    ) throws -> State {
        var state = State()
        // The accounts through the API's operations: created, deposited to, refused.
        try checkout.write { db in
            _ = try Accounts.create("alice", balanceCents: 700, in: db)
            _ = try Accounts.create("bob", balanceCents: 100, in: db)
            let alice = try Accounts.deposit("alice", amountCents: 300, in: db)
            state.accountOperations.append("deposit: alice \(alice.balanceCents)")
        }
        for attempt in ["create alice again", "deposit to nobody"] {
            do {
                try checkout.write { db in
                    if attempt == "deposit to nobody" {
                        _ = try Accounts.deposit("nobody", amountCents: 5, in: db)
                    } else {
                        _ = try Accounts.create("alice", balanceCents: 1, in: db)
                    }
                }
                state.accountOperations.append("\(attempt): done")
            } catch let error as CheckoutError {
                state.accountOperations.append("\(attempt): \(error)")
            }
        }
        let trace = TraceContext.newTrace()
        let placements: [(String, String, Int64, String?, Int)] = [
            ("A", "alice", 300, nil, 10), ("B", "bob", 500, nil, 10), ("C", "alice", 200, nil, 10),
            ("D", "alice", 150, nil, 10), ("E", "alice", 100, "k1", 10), ("E2", "alice", 100, "k1", 10),
            ("F", "alice", 100, nil, 5),  // five in flight: refused
        ]
        for (id, account, cents, key, limit) in placements {
            let placement = OrderPlacement(
                id: id, accountID: account, amountCents: cents, idempotencyKey: key, fingerprint: "\(cents)|\(account)",
                maxInFlight: limit, trace: trace)
            do {
                try order.write { db in
                    let (placed, replayed) = try placement.insert(in: db)
                    state.placements.append("\(placed.id) \(replayed ? "replayed" : "placed")")
                }
            } catch OrderError.overloaded {
                state.placements.append("\(id) refused: overloaded")
            }
        }
        try order.write { db in _ = try OrderTransitions.cancel("D", reason: "canceled by request", in: db) }

        // Every outbox, drained in turn, to the steps of the services that consume its events;
        // then the fulfillment workers' outcomes (C's fails). Until a round moves nothing.
        for _ in 0..<20 {
            var moved = 0
            for source in [order, checkout, fulfillment] {
                var events: [SagaEvent] = []
                try source.write { db in
                    events = try db.allRows("SELECT payload FROM outbox ORDER BY seq") { columns in
                        try #require(EventJSON.decode(columns.bytes(0)))
                    }
                    try db.run("DELETE FROM outbox")
                }
                for event in events {
                    state.delivered.append("\(event.type.topic) \(event.orderID)")
                    if OrderService.consumedEvents.contains(event.type) {
                        try order.write { try OrderTransitions.apply(event, in: $0) }
                    }
                    if CheckoutService.consumedEvents.contains(event.type) {
                        try checkout.write { try Payments.apply(event, in: $0) }
                    }
                    if FulfillmentService.consumedEvents.contains(event.type) {
                        try fulfillment.write { try FulfillmentService.apply(event, in: $0) }
                    }
                }
                moved += events.count
            }
            try fulfillment.write { db in
                let pending = try db.allRows("SELECT order_id FROM fulfillments WHERE status = 'pending' ORDER BY order_id") {
                    try $0.text(0)
                }
                for id in pending {
                    _ = try FulfillmentOutcome.record(id, failedBecause: id == "C" ? "fulfillment failed" : nil, at: 1, in: db)
                }
                moved += pending.count
            }
            if moved == 0 { break }
        }

        try order.read { db in
            state.orders = try OrderQueries.list(status: nil, limit: 100, after: nil, in: db).map { "\($0.id) \($0.status.rawValue)" }
            for id in ["A", "B", "C", "D", "E"] {
                let view = try OrderQueries.order(id, withHistory: true, in: db)
                state.histories.append("\(id): " + (view?.history ?? []).map { "\($0.status.rawValue) (\($0.reason ?? "-"))" }
                    .joined(separator: ", "))
            }
            state.keys = try db.allRows("SELECT key, order_id FROM idempotency_keys ORDER BY key") { "\(try $0.text(0)) \(try $0.text(1))" }
            state.dueOrders = try OrderDeadlines.due(before: "~", limit: 10, in: db)
                + ["due \(try OrderDeadlines.countDue(before: "~", in: db))", "processing \(try OrderDeadlines.countProcessing(since: Int64.max, in: db))"]
        }
        try checkout.read { db in
            state.accounts = try db.allRows("SELECT id, balance_cents FROM accounts ORDER BY id") { "\(try $0.text(0)) \($0.int64(1))" }
            state.checkouts = try db.allRows("SELECT order_id, status, amount_cents, reason FROM checkouts ORDER BY order_id") {
                "\(try $0.text(0)) \(try $0.text(1)) \($0.int64(2)) \($0.optionalText(3) ?? "-")"
            }
            state.movements = try db.allRows("SELECT order_id, kind, amount_cents FROM payment_movements ORDER BY order_id, kind") {
                "\(try $0.text(0)) \(try $0.text(1)) \($0.int64(2))"
            }
            state.tombstones = try db.allRows("SELECT order_id FROM cancel_tombstones ORDER BY order_id") { try $0.text(0) }
            let summary = try Accounts.ledger(in: db)
            state.ledger = ["balanced \(summary.isBalanced): deposits \(summary.depositsCents), balances \(summary.balancesCents), "
                + "captured \(summary.capturedCents), refunded \(summary.refundedCents)"]
            state.ledger += try Accounts.ledgerByAccount(in: db).map {
                "\($0.id) \($0.balanceCents) = \($0.depositedCents) - \($0.chargedCents) + \($0.refundedCents)"
            }
            state.ledger += try Accounts.movements(in: db).map { "\($0.orderID) \($0.kind.rawValue) \($0.accountID) \($0.amountCents)" }
            state.ledger += try ["A", "B", "D", "Z"].map { "\($0): \(try Accounts.checkoutStatus(orderID: $0, in: db)?.rawValue ?? "none")" }
        }
        try fulfillment.read { db in
            state.fulfillments = try db.allRows("SELECT order_id, status, reason FROM fulfillments ORDER BY order_id") {
                "\(try $0.text(0)) \(try $0.text(1)) \($0.optionalText(2) ?? "-")"
            }
            state.notifications = try FulfillmentQueries.notifications(orderID: nil, limit: 100, in: db).reversed().map {
                "\($0.orderID) \($0.kind): \($0.message)"
            }
            state.notifications += try FulfillmentQueries.notifications(orderID: "C", limit: 10, in: db).map { "C: \($0.kind)" }
            state.fulfillments += try ["A", "C", "Z"].map { "\($0): \(try FulfillmentQueries.status(orderID: $0, in: db)?.rawValue ?? "none")" }
            state.dueFulfillments = try FulfillmentDeadlines.due(since: Int64.max, limit: 10, in: db)
        }
        return state
    }
}
