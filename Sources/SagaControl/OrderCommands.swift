import ArgumentParser
import Foundation
import SagaAPI

/// `sagactl order …`: place, read, list, cancel and watch orders.
struct OrderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "Place, inspect, list, cancel and watch orders.",
        discussion: """
            An order moves created → processing → finished, or ends failed, refunded or \
            canceled. It can be canceled only while it is still created.

            Examples:
              sagactl order create --amount 12.34 --account alice
              sagactl order watch <id>
              sagactl order trace <id>
              sagactl order list --status failed --all
            """,
        subcommands: [
            OrderCreateCommand.self, OrderGetCommand.self, OrderListCommand.self,
            OrderCancelCommand.self, OrderWatchCommand.self, OrderTraceCommand.self,
        ]
    )
}

/// `sagactl order create`: POST /v1/orders.
struct OrderCreateCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Place an order.",
        discussion: """
            Without --amount the daemon picks a random amount; without --account it charges \
            the default account. A repeat with the same --idempotency-key returns the first order.
            """
    )

    @Option(help: ArgumentHelp("Order total, a decimal with at most two decimals.", valueName: "amount"))
    var amount: String?

    @Option(help: ArgumentHelp("Account to charge.", valueName: "id"))
    var account: String?

    @Option(help: ArgumentHelp("Key that makes retries of this request safe.", valueName: "key"))
    var idempotencyKey: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let amount { try InputValidation.requireAmount(amount, option: "--amount") }
        if let account { try InputValidation.requireIdentifier(account, name: "--account") }
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.count > 200 {
            throw ValidationError("--idempotency-key must be 1 to 200 characters long.")
        }
    }

    func perform(with session: DaemonSession) async throws {
        var request = try ControlRequest(.createOrder, json: OrderRequest(amount: amount.map { Amount($0) }, accountID: account))
        if let idempotencyKey { request.headers.append((name: "Idempotency-Key", value: idempotencyKey)) }
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let order = try response.decode(Order.self, path: request.path)
        OrderPresenter().detailLines(order).forEach(session.console.printLine)
    }
}

/// `sagactl order get ID`: GET /v1/orders/{id}.
struct OrderGetCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Show one order with its status history.")

    @Argument(help: "The order id.")
    var id: String

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.getOrder, id)
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let order = try response.decode(Order.self, path: request.path)
        OrderPresenter().detailLines(order).forEach(session.console.printLine)
    }
}

/// `sagactl order list`: GET /v1/orders, one page or all of them.
struct OrderListCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List orders, oldest first.",
        discussion: "Shows one page (--limit, default 100); --all follows the pages to the end."
    )

    @Option(help: ArgumentHelp(
        "Only orders with this status (created, processing, finished, failed, refunded, canceled).",
        valueName: "status"))
    var status: String?

    @Option(help: ArgumentHelp("Orders per page, 1 to 1000.", valueName: "n"))
    var limit: Int?

    @Option(help: ArgumentHelp("Start after this order id.", valueName: "id"))
    var after: String?

    @Flag(help: "Fetch every page, not just the first.")
    var all = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let limit { try InputValidation.requirePositive(limit, option: "--limit", maximum: InputValidation.maximumLimit) }
    }

    func perform(with session: DaemonSession) async throws {
        var cursor = after
        var orders: [Order] = []
        var bodies: [Data] = []
        var nextAfter: String?
        repeat {
            let request = try ControlRequest(.listOrders, query: [
                ("status", status), ("limit", limit.map(String.init)), ("after", cursor),
            ])
            let response = try await session.client.send(request).requireSuccess()
            let page = try response.decode(OrderPage.self, path: request.path)
            bodies.append(response.body)
            orders += page.orders
            nextAfter = page.nextAfter
            cursor = nextAfter
        } while all && nextAfter != nil

        if session.wantsJSON {
            let text = bodies.count == 1 ? JSONOutput.prettyPrinted(bodies[0]) : JSONOutput.mergedArrays(bodies, key: "orders")
            return session.console.printLine(text)
        }
        session.printTable(OrderPresenter().listTable(orders))
        if let nextAfter, !all {
            session.console.printErrorLine("more orders follow: pass --after \(nextAfter), or --all")
        }
    }
}

/// `sagactl order cancel ID`: POST /v1/orders/{id}/cancel.
struct OrderCancelCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel an order that is still created.",
        discussion: "Fails with 'conflict' once payment was taken (the order is past processing)."
    )

    @Argument(help: "The order id.")
    var id: String

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.cancelOrder, id)
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let order = try response.decode(Order.self, path: request.path)
        OrderPresenter().detailLines(order).forEach(session.console.printLine)
    }
}
