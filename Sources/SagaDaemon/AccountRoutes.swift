import CheckoutService
import Hummingbird
import SagaMessaging

/// `/v1/accounts…`: open accounts, read balances, deposit.
enum AccountRoutes {
    static func register(on table: RouteTable, _ daemon: DaemonContext) {
        let checkout = daemon.runtime.checkout

        table.add(.post, "/v1/accounts") { request, _ in
            let body = try await RequestBody.read(request, allowed: ["id", "balance"])
            let id = try body.requiredString("id")
            let balance = try parse(try body.requiredString("balance"), field: "balance", allowZero: true)
            return try ControlRouter.json(AccountJSON(try await checkout.createAccount(id, balanceCents: balance)), status: .created)
        }

        table.add(.get, "/v1/accounts/:id") { _, context in
            try ControlRouter.json(AccountJSON(try await checkout.account(try context.parameters.required("id"))))
        }

        table.add(.post, "/v1/accounts/:id/deposit") { request, context in
            let body = try await RequestBody.read(request, allowed: ["amount"])
            let amount = try parse(try body.requiredString("amount"), field: "amount", allowZero: false)
            let account = try await checkout.deposit(try context.parameters.required("id"), amountCents: amount)
            return try ControlRouter.json(AccountJSON(account))
        }
    }

    private static func parse(_ text: String, field: String, allowZero: Bool) throws -> Int64 {
        do { return try Money.parseCents(text, allowZero: allowZero) } catch { throw Problem(.validation, "'\(field)': \(error)") }
    }
}
