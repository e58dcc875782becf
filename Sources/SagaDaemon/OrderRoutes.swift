import HTTPTypes
import Hummingbird
import OrderService
import SagaAPI
import SagaMessaging

/// `/v1/orders…` and `/v1/notifications`: place, read (with long polls), list and cancel
/// orders; read the notifications. The checks and the work are `OrderOperations`', which the
/// gRPC service shares; this reads the HTTP forms of the arguments.
struct OrderRoutes: Sendable {
    typealias Context = ControlRouter.Context
    let daemon: DaemonContext

    private var operations: OrderOperations { OrderOperations(orders: daemon.runtime.orders, logger: daemon.logger) }

    @Sendable func create(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(OrderRequest.self, optional: true)
        let (order, replayed) = try await operations.place(
            body, idempotencyKey: request.headers[.idempotencyKey], traceparent: request.headers[.traceparent])
        return try ControlRouter.json(order, status: .created, headers: replayed ? [.idempotentReplayed: "true"] : [:])
    }

    @Sendable func list(_ request: Request, _ context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let page = try await operations.list(
            status: query.get("status"), limit: try request.integerQuery("limit", in: OrderOperations.pageSizes),
            after: query.get("after"))
        return try ControlRouter.json(page)
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
            return try ControlRouter.json(try await operations.get(id))
        case "terminal":
            return try ControlRouter.json(try await operations.waitForSettlement(id, timeout: timeout))
        case "change":
            return try ControlRouter.json(try await operations.waitForChange(id, seen: seen, timeout: timeout))
        case let other?:
            throw Problem(.validation, "wait must be 'terminal' or 'change', not '\(other)'")
        }
    }

    /// The order's saga event by event, from each service's inbox (by the order's index).
    @Sendable func timeline(_ request: Request, _ context: Context) async throws -> Response {
        let id = try context.parameters.decoded("id")
        let (order, trace) = try await daemon.runtime.orders.timeline(id)
        var handled: [(service: String, event: HandledEvent)] = []
        for service in daemon.runtime.participants {
            handled += try await service.handledEvents(orderID: id).map { (service.name, $0) }
        }
        return try ControlRouter.json(OrderTimeline(order, trace: trace, handled: handled))
    }

    @Sendable func cancel(_ request: Request, _ context: Context) async throws -> Response {
        try ControlRouter.json(try await operations.cancel(try context.parameters.decoded("id")))
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
