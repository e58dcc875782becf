import Foundation
import Logging
import OrderService
import SagaAPI
import SagaMessaging

/// The order operations of the API with their checks, shared by every edge: the HTTP routes
/// (`OrderRoutes`) and the gRPC service (`OrdersGRPCService`) parse their wire forms into these
/// arguments and call the same functions, so both validate alike and fail with the same problems.
struct OrderOperations: Sendable {
    let orders: any OrderServiceAPI
    let logger: Logger

    /// How many orders a page holds when the request names no limit, and the range it may name.
    static let defaultPageSize: Int64 = 100
    static let pageSizes: ClosedRange<Int64> = 1...1000

    /// Places an order; a repeated idempotency key answers the first order (`replayed`). The
    /// order keeps the W3C trace context of `traceparent`; one that does not parse is ignored
    /// and a new trace started, as when there is none.
    /// - Throws: `Problem` for a bad key, `OrderError` / `Money.ParseError` from the service.
    func place(_ request: OrderRequest, idempotencyKey: String?, traceparent: String?) async throws -> (order: Order, replayed: Bool) {
        if let key = idempotencyKey, key.isEmpty || key.count > 200 {
            throw Problem(.validation, "Idempotency-Key must be 1 to 200 characters")
        }
        let trace = traceparent.flatMap(TraceContext.init(header:)) ?? TraceContext.newTrace()
        let (order, replayed) = try await orders.place(
            amountCents: try request.amount?.requireCents(), accountID: request.accountID, idempotencyKey: idempotencyKey,
            trace: trace)
        if !replayed {
            logger.debug("order placed", metadata: ["order": "\(order.id)", "trace_id": "\(trace.traceID)"])
        }
        return (Order(order), replayed)
    }

    /// An order request from loose fields (gRPC), put through the same decoding as a POST body
    /// so that a bad amount is refused with the same problem and detail.
    static func request(amount: String?, accountID: String?) throws -> OrderRequest {
        let json = try JSONEncoder().encode(OrderRequest(amount: amount.map { Amount($0) }, accountID: accountID))
        return try RequestDecoding.decode(OrderRequest.self, from: json, amounts: Amount.moneyParser)
    }

    /// A page of orders, optionally of one status (its text as the API names it).
    func list(status: String?, limit: Int64?, after: String?) async throws -> OrderPage {
        let status = try status.map { text in
            guard let status = OrderStatus(rawValue: text) else {
                throw Problem(.validation, "status must be one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
        let limit = Int(try Self.checked("limit", limit, in: Self.pageSizes) ?? Self.defaultPageSize)
        let page = try await orders.orders(status: status, limit: limit, after: after)
        return OrderPage(orders: page.map(Order.init), nextAfter: page.count == limit ? page.last?.id : nil)
    }

    /// One order with its history.
    func get(_ id: String) async throws -> Order {
        Order(try await orders.order(id))
    }

    /// The order once it has more than `seen` status changes (or settled), or at `timeout`.
    func waitForChange(_ id: String, seen: Int, timeout: Duration) async throws -> Order {
        Order(try await orders.waitForChange(id, seenChanges: seen, untilTerminal: false, timeout: timeout))
    }

    /// The order once it settled, or at `timeout`.
    func waitForSettlement(_ id: String, timeout: Duration) async throws -> Order {
        Order(try await orders.waitForChange(id, seenChanges: nil, untilTerminal: true, timeout: timeout))
    }

    /// Cancels an order that has not been charged.
    func cancel(_ id: String) async throws -> Order {
        Order(try await orders.cancel(id))
    }

    /// `value` when it lies in `range`; the problem names the parameter (a query parameter over
    /// HTTP, a request field over gRPC) the same way for both.
    static func checked(_ name: String, _ value: Int64?, in range: ClosedRange<Int64>) throws(Problem) -> Int64? {
        guard let value else { return nil }
        guard range.contains(value) else { throw Problem.notInRange(name, range) }
        return value
    }
}

extension Problem {
    /// A whole-number parameter that is not one, or lies outside `range`.
    static func notInRange(_ name: String, _ range: ClosedRange<Int64>) -> Problem {
        Problem(.validation, "query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
}
