import ArgumentParser
import SagaAPI

/// `sagactl account …`: open accounts, read balances, deposit money.
struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Open accounts, show balances and deposit money.",
        discussion: """
            Checkout debits an order's account when the balance covers the amount; otherwise \
            the order fails. Examples:
              sagactl account create alice --balance 100.00
              sagactl account deposit alice --amount 5.00
            """,
        subcommands: [AccountCreateCommand.self, AccountListCommand.self, AccountGetCommand.self, AccountDepositCommand.self]
    )
}

/// Prints an account as `ID  BALANCE`, or the daemon's JSON.
private func printAccount(_ response: ControlResponse, path: String, session: DaemonSession) throws {
    if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
    let account = try response.decode(Account.self, path: path)
    var table = TextTable([.init("ACCOUNT"), .init("BALANCE", .right)])
    table.append([account.id, account.balance.text])
    session.printTable(table)
}

/// `sagactl account create ID --balance X`: POST /v1/accounts.
struct AccountCreateCommand: DaemonCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Open an account.")

    @Argument(help: "The new account's id (1 to 128 characters).")
    var id: String

    @Option(help: ArgumentHelp("Opening balance, e.g. 100.00.", valueName: "amount"))
    var balance: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try InputValidation.requireIdentifier(id, name: "The account id")
        try InputValidation.requireAmount(balance, option: "--balance")
    }

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.createAccount, json: AccountRequest(id: id, balance: Amount(balance)))
        let response = try await session.client.send(request).requireSuccess()
        try printAccount(response, path: request.path, session: session)
    }
}

/// `sagactl account get ID`: GET /v1/accounts/{id}.
struct AccountGetCommand: DaemonCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show an account's balance.")

    @Argument(help: "The account id.")
    var id: String

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.getAccount, id)
        let response = try await session.client.send(request).requireSuccess()
        try printAccount(response, path: request.path, session: session)
    }
}

/// `sagactl account deposit ID --amount X`: POST /v1/accounts/{id}/deposit.
struct AccountDepositCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "deposit", abstract: "Add money to an account and show the new balance.")

    @Argument(help: "The account id.")
    var id: String

    @Option(help: ArgumentHelp("Amount to add, e.g. 5.00.", valueName: "amount"))
    var amount: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try InputValidation.requireAmount(amount, option: "--amount")
    }

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.deposit, id, json: DepositRequest(amount: Amount(amount)))
        let response = try await session.client.send(request).requireSuccess()
        try printAccount(response, path: request.path, session: session)
    }
}
