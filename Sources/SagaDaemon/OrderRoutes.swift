import HTTPTypes
import Hummingbird
import OrderService
import SagaMessaging

/// `/v1/orders…`: place, read (with long polls), list and cancel orders.
enum OrderRoutes {
    static func register(on table: RouteTable, _ daemon: DaemonContext) {
        let orders = daemon.runtime.orders

        table.add(.post, "/v1/orders") { request, _ in
            let body = try await RequestBody.read(request, allowed: ["amount", "account_id"], optional: true)
            let amount = try body.string("amount").map { text in
                do { return try Money.parseCents(text) } catch { throw Problem(.validation, "'amount': \(error)") }
            }
            let account = try body.string("account_id")
            let key = request.headers[.idempotencyKey]
            if let key, key.isEmpty || key.count > 200 {
                throw Problem(.validation, "Idempotency-Key must be 1 to 200 characters")
            }
            let (order, replayed) = try await orders.place(amountCents: amount, accountID: account, idempotencyKey: key)
            return try ControlRouter.json(OrderJSON(order), status: .created,
                                          headers: replayed ? [.idempotentReplayed: "true"] : [:])
        }

        table.add(.get, "/v1/orders") { request, _ in
            let status = try request.uri.queryParameters.get("status").map { text in
                guard let status = OrderStatus(rawValue: text) else {
                    throw Problem(.validation, "status must be one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
            let limit = Int(try request.integerQuery("limit", in: 1...1000) ?? 100)
            let after = request.uri.queryParameters.get("after")
            let page = try await orders.orders(status: status, limit: limit, after: after)
            return try ControlRouter.json(OrderPageJSON(
                orders: page.map(OrderJSON.init), next_after: page.count == limit ? page.last?.id : nil))
        }

        table.add(.get, "/v1/orders/:id") { request, context in
            let id = try context.parameters.required("id")
            let query = request.uri.queryParameters
            let timeout = try query.get("timeout").map { text in
                guard let seconds = Double(text), seconds >= 0, seconds <= 300 else {
                    throw Problem(.validation, "timeout must be a number of seconds from 0 to 300")
                }
                return Duration.milliseconds(Int(seconds * 1000))
            } ?? .seconds(10)
            switch query.get("wait") {
            case nil:
                return try ControlRouter.json(OrderJSON(try await orders.order(id)))
            case "terminal":
                return try ControlRouter.json(OrderJSON(
                    try await orders.waitForChange(id, seenChanges: nil, untilTerminal: true, timeout: timeout)))
            case "change":
                let seen = Int(try request.integerQuery("seen", in: 0...1_000_000) ?? 0)
                return try ControlRouter.json(OrderJSON(
                    try await orders.waitForChange(id, seenChanges: seen, untilTerminal: false, timeout: timeout)))
            case let other?:
                throw Problem(.validation, "wait must be 'terminal' or 'change', not '\(other)'")
            }
        }

        table.add(.post, "/v1/orders/:id/cancel") { _, context in
            try ControlRouter.json(OrderJSON(try await orders.cancel(try context.parameters.required("id"))))
        }

        table.add(.get, "/v1/notifications") { request, _ in
            let limit = Int(try request.integerQuery("limit", in: 1...1000) ?? 100)
            let list = try await daemon.runtime.fulfillment.notifications(
                orderID: request.uri.queryParameters.get("order_id"), limit: limit)
            return try ControlRouter.json(["notifications": list.map(NotificationJSON.init)])
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
