@testable import CheckoutService
import Foundation
import GRDB
import Logging
import OrderService
import SagaLog
import Testing
@testable import SagaMessaging

/// checkout's `payment_movements` journal: one row per balance change, at most one charge and
/// one refund per order, refused by the database beyond that, backfilled for older databases.
@Suite struct PaymentJournalTests {
    @Test func aRefundedOrderIsJournaledAsOneChargeAndOneRefundOfItsAmount() async throws {
        let saga = try SagaHarness(failureRate: 1.0)
        defer { saga.close() }
        let task = saga.start()
        let placed = try await saga.orders.placeOrder(amountCents: 999, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.settled(placed.id).status == .refunded)
        await saga.stop(task)
        let movements = try await saga.checkout.paymentMovements()
        #expect(movements.map { "\($0.orderID) \($0.kind.rawValue) \($0.accountID) \($0.amountCents)" }
            == ["\(placed.id) charge default 999", "\(placed.id) refund default 999"])
        try await saga.checkInvariants(expectOrders: 1)
    }

    @Test func theDatabaseRefusesASecondChargeOrRefundOfOneOrder() async throws {
        let saga = try SagaHarness(failureRate: 1.0)
        defer { saga.close() }
        let task = saga.start()
        let placed = try await saga.orders.placeOrder(amountCents: 400, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.settled(placed.id).status == .refunded)
        await saga.stop(task)
        let database = try DatabaseQueue(path: saga.directory + "/data/checkout.sqlite")
        for kind in ["charge", "refund"] {
            let error = #expect(throws: DatabaseError.self, "a second \(kind) was accepted") {
                try database.write { db in
                    try db.execute(
                        sql: "INSERT INTO payment_movements (order_id, kind, account_id, amount_cents, at) VALUES (?, ?, 'default', 400, 0)",
                        arguments: [placed.id, kind])
                }
            }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
        }
        #expect(try await saga.checkout.paymentMovements().count == 2)
    }

    @Test func freshPaymentAndRefundEventsForASettledOrderTakeNoSecondMovement() async throws {
        let saga = try SagaHarness(failureRate: 1.0)
        defer { saga.close() }
        var task = saga.start()
        let placed = try await saga.orders.placeOrder(amountCents: 700, accountID: nil, idempotencyKey: nil)
        #expect(try await saga.settled(placed.id).status == .refunded)
        #expect(await saga.eventually { await saga.drained() })
        await saga.stop(task)
        let balance = try await saga.checkout.account("default").balanceCents
        let movements = try await saga.checkout.paymentMovements()

        // New event ids, so the inbox does not stop them: only checkout's own guards can.
        for type in [SagaEventType.orderPending, .orderFailed, .orderCanceled] {
            let event = SagaEvent(type: type, orderID: placed.id, accountID: "default", amountCents: 700)
            _ = try await saga.runtime.log.append([try EventCodec.record(for: event)], to: type.topic)
        }
        task = saga.start()
        #expect(await saga.eventually { await saga.drained() })
        await saga.stop(task)
        #expect(try await saga.checkout.paymentMovements() == movements)
        #expect(try await saga.checkout.account("default").balanceCents == balance)
        try await saga.checkInvariants(expectOrders: 1)
    }

    @Test func aDatabaseFromBeforeTheJournalIsBackfilledFromItsCheckouts() async throws {
        let directory = NSTemporaryDirectory() + "journal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/checkout.sqlite"
        let old = try DatabaseQueue(path: path)
        try ServiceSchema.checkout.migrator.migrate(old, upTo: "create inbox")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO accounts VALUES ('default', 9500)")
            try db.execute(sql: "INSERT INTO deposits (account_id, amount_cents, at) VALUES ('default', 10000, 1)")
            for (order, status, amount) in [("o1", "successful", 300), ("o2", "refunded", 200), ("o3", "failed", 500),
                                            ("o4", "successful", 200)] {
                try db.execute(
                    sql: "INSERT INTO checkouts VALUES (?, ?, 'default', ?, ?, NULL, 10, 20)",
                    arguments: ["c-\(order)", order, status, amount])
            }
        }
        try old.close()

        var logger = Logger(label: "journal-test")
        logger.logLevel = .critical
        let log = try SagaLog.open(directory: directory + "/log", configuration: LogConfiguration(), logger: logger)
        defer { try? log.close() }
        let checkout = try CheckoutService(databasePath: path, log: log, settings: CheckoutSettings(), logger: logger)
        let movements = try await checkout.paymentMovements()
        #expect(movements.map { "\($0.orderID) \($0.kind.rawValue) \($0.amountCents) \($0.atMillis)" }
            == ["o1 charge 300 10", "o2 charge 200 10", "o2 refund 200 20", "o4 charge 200 10"])
        let ledger = try await checkout.ledger()
        #expect(ledger.capturedCents == 700 && ledger.refundedCents == 200)
        #expect(ledger.isBalanced, "\(ledger)")
    }
}
