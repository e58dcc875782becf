import HTTPTypes
import Hummingbird
import OrderService
import SagaAPI
import SagaMessaging

/// `/v1/orders…` and `/v1/notifications`: place, read (with long polls), list and cancel
/// orders; read the notifications.
struct OrderRoutes: Sendable {
    typealias Context = ControlRouter.Context
    let daemon: DaemonContext

    private var orders: OrderService { daemon.runtime.orders }

    @Sendable func create(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(OrderRequest.self, optional: true)
        let key = request.headers[.idempotencyKey]
        if let key, key.isEmpty || key.count > 200 {
            throw Problem(.validation, "Idempotency-Key must be 1 to 200 characters")
        }
        // W3C Trace Context: a traceparent that does not parse is ignored and a new trace started.
        let trace = request.headers[.traceparent].flatMap(TraceContext.init(header:)) ?? TraceContext.newTrace()
        let (order, replayed) = try await orders.place(
            amountCents: try body.amount?.requireCents(), accountID: body.accountID, idempotencyKey: key, trace: trace)
        if !replayed {
            daemon.logger.debug("order placed", metadata: ["order": "\(order.id)", "trace_id": "\(trace.traceID)"])
        }
        return try ControlRouter.json(Order(order), status: .created, headers: replayed ? [.idempotentReplayed: "true"] : [:])
    }

    @Sendable func list(_ request: Request, _ context: Context) async throws -> Response {
        let status = try request.uri.queryParameters.get("status").map { text in
            guard let status = OrderStatus(rawValue: text) else {
                throw Problem(.validation, "status must be one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
        let limit = Int(try request.integerQuery("limit", in: 1...1000) ?? 100)
        let after = request.uri.queryParameters.get("after")
        let page = try await orders.orders(status: status, limit: limit, after: after)
        return try ControlRouter.json(OrderPage(orders: page.map(Order.init), nextAfter: page.count == limit ? page.last?.id : nil))
    }

    @Sendable func get(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let query = request.uri.queryParameters
        let timeout = try query.get("timeout").map { text in
            guard let seconds = Double(text), seconds >= 0, seconds <= 300 else {
                throw Problem(.validation, "timeout must be a number of seconds from 0 to 300")
            }
            return Duration.milliseconds(Int(seconds * 1000))
        } ?? .seconds(10)
        // Checked whatever `wait` says: a parameter out of range is an error, not ignored.
        let seen = Int(try request.integerQuery("seen", in: 0...1_000_000) ?? 0)
        switch query.get("wait") {
        case nil:
            return try ControlRouter.json(Order(try await orders.order(id)))
        case "terminal":
            return try ControlRouter.json(Order(
                try await orders.waitForChange(id, seenChanges: nil, untilTerminal: true, timeout: timeout)))
        case "change":
            return try ControlRouter.json(Order(
                try await orders.waitForChange(id, seenChanges: seen, untilTerminal: false, timeout: timeout)))
        case let other?:
            throw Problem(.validation, "wait must be 'terminal' or 'change', not '\(other)'")
        }
    }

    /// The order's saga event by event, from each service's inbox (by the order's index).
    @Sendable func timeline(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (order, trace) = try await orders.timeline(id)
        var handled: [(service: String, event: HandledEvent)] = []
        for participant in daemon.runtime.participants {
            let host = participant.host
            handled += try await host.handledEvents(orderID: id).map { (host.name, $0) }
        }
        return try ControlRouter.json(OrderTimeline(order, trace: trace, handled: handled))
    }

    @Sendable func cancel(_ request: Request, _ context: Context) async throws -> Response {
        try ControlRouter.json(Order(try await orders.cancel(try context.parameters.decoded("id"))))
    }

    @Sendable func notifications(_ request: Request, _ context: Context) async throws -> Response {
        let limit = Int(try request.integerQuery("limit", in: 1...1000) ?? 100)
        let list = try await daemon.runtime.fulfillment.notifications(
            orderID: request.uri.queryParameters.get("order_id"), limit: limit)
        return try ControlRouter.json(NotificationList(notifications: list.map(OrderNotification.init)))
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
    static let traceparent = Self("traceparent")!
}
