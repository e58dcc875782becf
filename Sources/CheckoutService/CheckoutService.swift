import GRDB
import Logging
import MessageLog
import SagaMessaging

/// The checkout service: owns checkout.sqlite (accounts, payments, tombstones), takes
/// payments for new orders and refunds failed or canceled ones exactly once.
public actor CheckoutService: SagaParticipant {
    public static let consumedEvents: [SagaEventType] = [.orderPending, .orderFailed, .orderCanceled]

    public nonisolated let host: ServiceHost
    private nonisolated var database: DatabasePool { host.database }

    /// Opens checkout.sqlite at `databasePath`, creating the default account on first start,
    /// and subscribes to new, failed and canceled orders.
    /// - Throws: GRDB's error when the database cannot be opened, migrated or written.
    public init(databasePath: String, log: any MessageLog & MessageLogAdmin, settings: CheckoutSettings, logger: Logger,
                retry: RetryPolicy = RetryPolicy()) throws {
        host = try ServiceHost(
            name: "checkout", databasePath: databasePath, schema: .checkout, consumes: Self.consumedEvents,
            log: log, retry: retry, logger: logger,
            handler: { event, db in try Payments.apply(event, in: db) })
        let created = try host.database.write { db -> Bool in
            guard try Int64.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [settings.defaultAccountID]) == nil
            else { return false }
            try Self.insertAccount(settings.defaultAccountID, balance: settings.defaultBalanceCents, in: db)
            return true
        }
        if created {
            logger.info("created the default account", metadata: [
                "account": "\(settings.defaultAccountID)", "balance": "\(Money.format(settings.defaultBalanceCents))",
            ])
        }
    }

    // MARK: Accounts

    public func createAccount(_ id: String, balanceCents: Int64) async throws -> AccountView {
        guard !id.isEmpty, id.count <= 128 else { throw CheckoutError.invalidAccountID(id) }
        guard balanceCents >= 0, balanceCents <= Money.maximumCents else {
            throw CheckoutError.invalidAmount("balance must be between 0 and \(Money.format(Money.maximumCents))")
        }
        return try await database.write { db in
            if try Int64.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [id]) != nil {
                throw CheckoutError.accountExists(id)
            }
            try Self.insertAccount(id, balance: balanceCents, in: db)
            return AccountView(id: id, balanceCents: balanceCents)
        }
    }

    public func account(_ id: String) async throws -> AccountView {
        let balance = try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT balance_cents FROM accounts WHERE id = ?", arguments: [id])
        }
        guard let balance else { throw CheckoutError.accountNotFound(id) }
        return AccountView(id: id, balanceCents: balance)
    }

    public func deposit(_ id: String, amountCents: Int64) async throws -> AccountView {
        guard amountCents > 0, amountCents <= Money.maximumCents else {
            throw CheckoutError.invalidAmount("deposit must be between 0.01 and \(Money.format(Money.maximumCents))")
        }
        return try await database.write { db in
            try db.execute(sql: "UPDATE accounts SET balance_cents = balance_cents + ? WHERE id = ?", arguments: [amountCents, id])
            guard db.changesCount == 1 else { throw CheckoutError.accountNotFound(id) }
            try db.execute(
                sql: "INSERT INTO deposits (account_id, amount_cents, at) VALUES (?, ?, ?)",
                arguments: [id, amountCents, nowMillis()])
            let balance = try Int64.fetchOne(db, sql: "SELECT balance_cents FROM accounts WHERE id = ?", arguments: [id])!
            return AccountView(id: id, balanceCents: balance)
        }
    }

    /// The money invariant's terms, read in one snapshot.
    public func ledger() async throws -> LedgerSummary {
        try await database.read { db in
            let sum = { (sql: String) in try Int64.fetchOne(db, sql: sql) ?? 0 }
            return LedgerSummary(
                depositsCents: try sum("SELECT COALESCE(SUM(amount_cents), 0) FROM deposits"),
                balancesCents: try sum("SELECT COALESCE(SUM(balance_cents), 0) FROM accounts"),
                capturedCents: try sum("SELECT COALESCE(SUM(amount_cents), 0) FROM payment_movements WHERE kind = 'charge'"),
                refundedCents: try sum("SELECT COALESCE(SUM(amount_cents), 0) FROM payment_movements WHERE kind = 'refund'"))
        }
    }

    /// The payment journal, ordered by order and kind (charge before refund): what tests and
    /// audits check "no order charged or refunded twice" against.
    public func paymentMovements() async throws -> [PaymentMovement] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT order_id, kind, account_id, amount_cents, at FROM payment_movements ORDER BY order_id, kind
                """).map { row in
                guard let kind = PaymentMovement.Kind(rawValue: row["kind"]) else {
                    throw PaymentJournalError(kind: row["kind"])
                }
                return PaymentMovement(orderID: row["order_id"], kind: kind, accountID: row["account_id"],
                                       amountCents: row["amount_cents"], atMillis: row["at"])
            }
        }
    }

    /// The payment record of an order, if any.
    public func checkoutStatus(orderID: String) async throws -> CheckoutStatus? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM checkouts WHERE order_id = ?", arguments: [orderID])
                .flatMap(CheckoutStatus.init(rawValue:))
        }
    }

    private static func insertAccount(_ id: String, balance: Int64, in db: Database) throws {
        try db.execute(sql: "INSERT INTO accounts (id, balance_cents) VALUES (?, ?)", arguments: [id, balance])
        try db.execute(
            sql: "INSERT INTO deposits (account_id, amount_cents, at) VALUES (?, ?, ?)", arguments: [id, balance, nowMillis()])
    }
}
