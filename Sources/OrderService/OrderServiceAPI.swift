import SagaMessaging

/// What the daemon's API (HTTP and gRPC), its metrics and its reloads ask of the order
/// service, whichever store keeps its state: `OrderService` on SQLite, `StoredOrderService` on
/// PostgreSQL.
public protocol OrderServiceAPI: HostedService {
    /// Places an order (see `OrderPlacement`), telling whether the idempotency key returned an
    /// earlier order.
    func place(amountCents: Int64?, accountID: String?, idempotencyKey: String?, trace: TraceContext?) async throws
        -> (order: OrderView, replayed: Bool)
    /// Cancels an order that is still `created`; an already canceled order is returned as is.
    func cancel(_ id: String) async throws -> OrderView
    func order(_ id: String) async throws -> OrderView
    /// The order and the trace context it was placed in.
    func timeline(_ id: String) async throws -> (order: OrderView, trace: TraceContext?)
    /// Orders by creation, optionally of one status, after the id `after` (exclusive).
    func orders(status: OrderStatus?, limit: Int, after: String?) async throws -> [OrderView]
    func statusCounts() async throws -> [OrderStatus: Int]
    /// When the longest-waiting order of each in-flight status entered it (epoch milliseconds).
    func oldestInFlight() async throws -> [OrderStatus: Int64]
    /// Orders past their deadline that no sweep has ended yet, by step.
    func overdueOrders(fulfillmentTimeout: Duration?, now: Int64) async throws -> (payment: Int, fulfillment: Int)
    /// The order once its history grows past `seenChanges` (or it settled, with
    /// `untilTerminal`), or at `timeout`.
    func waitForChange(_ id: String, seenChanges: Int?, untilTerminal: Bool, timeout: Duration) async throws -> OrderView
    func updateSettings(_ settings: OrderSettings) async
}

extension OrderService: OrderServiceAPI {}

extension OrderDeadlines {
    /// Orders still `created` past `paymentTimeout`, and still `processing` past
    /// `fulfillmentTimeout` (0 for a timeout that is off), in one snapshot.
    static func overdue<Session: SQLSession>(
        paymentTimeout: Duration?, fulfillmentTimeout: Duration?, now: Int64, in db: Session
    ) throws -> (payment: Int, fulfillment: Int) {
        let payment = try paymentTimeout.map {
            try countDue(before: SortableID.lowerBound(millis: now - $0.milliseconds), in: db)
        } ?? 0
        let fulfillment = try fulfillmentTimeout.map { try countProcessing(since: now - $0.milliseconds, in: db) } ?? 0
        return (payment, fulfillment)
    }
}
