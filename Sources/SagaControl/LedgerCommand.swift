import ArgumentParser
import SagaAPI

/// `sagactl ledger`: GET /v1/ledger — every account's balance beside its deposits, charges and
/// refunds, the totals, and whether the books balance. Exits 1 when any account does not.
struct LedgerCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Show every account's balance, deposits, charges and refunds, and whether they balance.",
        discussion: """
            An account balances when balance = deposited − charged + refunded (charges and \
            refunds come from checkout's payment journal). Exit code 1 when one does not.
            """)

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.getLedger)
        let response = try await session.client.send(request).requireSuccess()
        let ledger = try response.decode(Ledger.self, path: request.path)
        if session.wantsJSON {
            session.console.printLine(JSONOutput.prettyPrinted(response.body))
        } else {
            var table = TextTable([
                .init("ACCOUNT"), .init("BALANCE", .right), .init("DEPOSITED", .right), .init("CHARGED", .right),
                .init("REFUNDED", .right), .init("BALANCED"),
            ])
            for account in ledger.accounts {
                table.append([account.id, account.balance.text, account.deposited.text, account.charged.text,
                              account.refunded.text, account.balanced ? "yes" : "NO"])
            }
            let totals = ledger.totals
            table.append(["(total)", totals.balance.text, totals.deposited.text, totals.charged.text,
                          totals.refunded.text, ledger.balanced ? "yes" : "NO"])
            session.printTable(table)
        }
        if !ledger.balanced {
            let off = ledger.accounts.filter { !$0.balanced }.map(\.id)
            throw ControlError.unbalanced(accounts: off)
        }
    }
}

/// `sagactl account list`: GET /v1/accounts.
struct AccountListCommand: DaemonCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show every account and its balance.")

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.listAccounts)
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        var table = TextTable([.init("ACCOUNT"), .init("BALANCE", .right)])
        for account in try response.decode(AccountList.self, path: request.path).accounts {
            table.append([account.id, account.balance.text])
        }
        session.printTable(table)
    }
}
