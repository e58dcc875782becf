import Logging
import SagaMessaging

/// What the daemon's API asks of the checkout service, whichever store keeps its state:
/// `CheckoutService` on SQLite, `StoredCheckoutService` on PostgreSQL.
public protocol CheckoutServiceAPI: HostedService {
    func createAccount(_ id: String, balanceCents: Int64) async throws -> AccountView
    func account(_ id: String) async throws -> AccountView
    func deposit(_ id: String, amountCents: Int64) async throws -> AccountView
    /// Every account's balance beside its deposits, charges and refunds.
    func ledgerByAccount() async throws -> [LedgerEntry]
}

extension CheckoutService: CheckoutServiceAPI {}

extension Accounts {
    /// Checks an account to be opened.
    /// - Throws: `CheckoutError.invalidAccountID` or `CheckoutError.invalidAmount`.
    static func checkNew(_ id: String, balanceCents: Int64) throws {
        guard !id.isEmpty, id.count <= 128 else { throw CheckoutError.invalidAccountID(id) }
        guard balanceCents >= 0, balanceCents <= Money.maximumCents else {
            throw CheckoutError.invalidAmount("balance must be between 0 and \(Money.format(Money.maximumCents))")
        }
    }

    /// Checks a deposit's amount.
    /// - Throws: `CheckoutError.invalidAmount`.
    static func checkDeposit(_ amountCents: Int64) throws {
        guard amountCents > 0, amountCents <= Money.maximumCents else {
            throw CheckoutError.invalidAmount("deposit must be between 0.01 and \(Money.format(Money.maximumCents))")
        }
    }

    /// Opens the default account with its configured balance unless it exists (the first start
    /// of the first instance opens it).
    static func openDefault<Session: SQLSession>(_ settings: CheckoutSettings, logger: Logger, in db: Session) throws {
        guard try balance(of: settings.defaultAccountID, in: db) == nil else { return }
        _ = try create(settings.defaultAccountID, balanceCents: settings.defaultBalanceCents, in: db)
        logger.info("created the default account", metadata: [
            "account": "\(settings.defaultAccountID)", "balance": "\(Money.format(settings.defaultBalanceCents))",
        ])
    }
}

/// The checkout service on a store reached through its writer alone (`StoreHost`): what runs
/// when the services' state is in PostgreSQL. The same saga step (`Payments`) and checks as
/// `CheckoutService` on SQLite.
public final class StoredCheckoutService<Host: StoreHost>: CheckoutServiceAPI, HostedOnStore {
    public let host: Host

    /// `host` must apply `Payments.apply`. Opens the default account unless it exists.
    /// - Throws: the store's error when the account cannot be read or written.
    public init(host: Host, settings: CheckoutSettings, logger: Logger) async throws {
        self.host = host
        try await host.writer.write { db in try Accounts.openDefault(settings, logger: logger, in: db) }
    }

    public func run() async { await host.run(alongside: nil) }

    public func createAccount(_ id: String, balanceCents: Int64) async throws -> AccountView {
        try Accounts.checkNew(id, balanceCents: balanceCents)
        return try await host.writer.write { db in try Accounts.create(id, balanceCents: balanceCents, in: db) }
    }

    public func account(_ id: String) async throws -> AccountView {
        guard let balance = try await host.read({ db in try Accounts.balance(of: id, in: db) }) else {
            throw CheckoutError.accountNotFound(id)
        }
        return AccountView(id: id, balanceCents: balance)
    }

    public func deposit(_ id: String, amountCents: Int64) async throws -> AccountView {
        try Accounts.checkDeposit(amountCents)
        return try await host.writer.write { db in try Accounts.deposit(id, amountCents: amountCents, in: db) }
    }

    public func ledgerByAccount() async throws -> [LedgerEntry] {
        try await host.read { db in try Accounts.ledgerByAccount(in: db) }
    }
}
