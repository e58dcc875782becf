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
        try host.database.write { db in try Accounts.openDefault(settings, logger: logger, in: db) }
    }

    // MARK: Accounts

    public func createAccount(_ id: String, balanceCents: Int64) async throws -> AccountView {
        try Accounts.checkNew(id, balanceCents: balanceCents)
        return try await database.write { db in try Accounts.create(id, balanceCents: balanceCents, in: db) }
    }

    public func account(_ id: String) async throws -> AccountView {
        let balance = try await database.read { db in try Accounts.balance(of: id, in: db) }
        guard let balance else { throw CheckoutError.accountNotFound(id) }
        return AccountView(id: id, balanceCents: balance)
    }

    public func deposit(_ id: String, amountCents: Int64) async throws -> AccountView {
        try Accounts.checkDeposit(amountCents)
        return try await database.write { db in try Accounts.deposit(id, amountCents: amountCents, in: db) }
    }

    /// The money invariant's terms, read in one snapshot.
    public func ledger() async throws -> LedgerSummary {
        try await database.read { db in try Accounts.ledger(in: db) }
    }

    /// The payment journal, ordered by order and kind (charge before refund): what tests and
    /// audits check "no order charged or refunded twice" against.
    public func paymentMovements() async throws -> [PaymentMovement] {
        try await database.read { db in try Accounts.movements(in: db) }
    }

    /// The payment record of an order, if any.
    public func checkoutStatus(orderID: String) async throws -> CheckoutStatus? {
        try await database.read { db in try Accounts.checkoutStatus(orderID: orderID, in: db) }
    }
}
