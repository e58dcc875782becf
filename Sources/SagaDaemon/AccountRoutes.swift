import CheckoutService
import Hummingbird
import SagaAPI

/// `/v1/accounts…`: open accounts, read balances, deposit.
struct AccountRoutes: Sendable {
    typealias Context = ControlRouter.Context
    let daemon: DaemonContext

    private var checkout: any CheckoutServiceAPI { daemon.runtime.checkout }

    @Sendable func create(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(AccountRequest.self)
        let account = try await checkout.createAccount(body.id, balanceCents: try body.balance.requireCents())
        return try ControlRouter.json(Account(account), status: .created)
    }

    @Sendable func list(_ request: Request, _ context: Context) async throws -> Response {
        let ledger = try await checkout.ledgerByAccount()
        return try ControlRouter.json(AccountList(accounts: ledger.map { Account(id: $0.id, balance: Amount(cents: $0.balanceCents)) }))
    }

    /// `/v1/ledger`: every account's balance beside its deposits, charges and refunds.
    @Sendable func ledger(_ request: Request, _ context: Context) async throws -> Response {
        try ControlRouter.json(SagaAPI.Ledger(try await checkout.ledgerByAccount()))
    }

    @Sendable func get(_ request: Request, _ context: Context) async throws -> Response {
        try ControlRouter.json(Account(try await checkout.account(try context.parameters.decoded("id"))))
    }

    @Sendable func deposit(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(DepositRequest.self)
        let account = try await checkout.deposit(try context.parameters.decoded("id"), amountCents: try body.amount.requireCents())
        return try ControlRouter.json(Account(account))
    }
}
