import Metrics
import SagaMessaging

/// Status changes of orders, each a conditional update (`… WHERE status = ?`) so that a late,
/// duplicate or racing event never overwrites a status it did not expect. Runs inside the
/// caller's transaction; the events a change causes go to the outbox in the same transaction,
/// in the trace of the event that caused them (each with a span of its own). Written once for
/// SQLite and PostgreSQL (`SQLSession`).
public enum OrderTransitions {
    /// Moves `orderID` from `from` to `to`; false when the order was not in `from`.
    static func move<Session: SQLSession>(
        _ orderID: String, from: OrderStatus, to: OrderStatus, reason: String?, in db: Session
    ) throws -> Bool {
        let now = nowMillis()
        // RETURNING hands back the creation time the settle histogram needs in the same statement.
        guard let createdAt = try db.firstRow(
            "UPDATE orders SET status = ?, updated_at = ? WHERE id = ? AND status = ? RETURNING created_at",
            bind: {
                $0.bind(to.rawValue)
                $0.bind(now)
                $0.bind(orderID)
                $0.bind(from.rawValue)
            },
            read: { $0.int64(0) })
        else { return false }
        try recordHistory(orderID, status: to, reason: reason, at: now, in: db)
        if to.isTerminal {
            Counter(label: SagaMetrics.ordersTerminal, dimensions: [("status", to.rawValue)]).increment()
            // The order's age, from creation to `to`, reached now.
            Timer(label: SagaMetrics.orderSettle, dimensions: [("status", to.rawValue)])
                .record(duration: .milliseconds(max(0, now - createdAt)))
        }
        return true
    }

    /// The cancel step: `created → canceled` and `order_canceled` to the outbox (checkout then
    /// refunds a payment it took, or leaves a tombstone); false when the order was not `created`.
    /// A request and the payment deadline both cancel through here.
    static func cancel<Session: SQLSession>(_ orderID: String, reason: String, in db: Session) throws -> Bool {
        guard try move(orderID, from: .created, to: .canceled, reason: reason, in: db) else { return false }
        let trace = try OrderQueries.trace(of: orderID, in: db)?.child()
        try Outbox.enqueue(SagaEvent(type: .orderCanceled, orderID: orderID, reason: reason, trace: trace), in: db)
        return true
    }

    /// A cancel asked for through the API: an order still `created` is canceled, one already
    /// canceled is returned as it is; any other refuses. Returns the order with its history.
    /// - Throws: `OrderError.notFound`, `OrderError.cannotCancel`, or the store's error.
    static func cancelByRequest<Session: SQLSession>(_ id: String, in db: Session) throws -> OrderView {
        guard let status = try status(of: id, in: db) else { throw OrderError.notFound(id) }
        switch status {
        case .created:
            guard try cancel(id, reason: "canceled by request", in: db) else {
                throw OrderError.cannotCancel(id: id, status: try self.status(of: id, in: db) ?? status)
            }
        case .canceled:
            break
        default:
            throw OrderError.cannotCancel(id: id, status: status)
        }
        guard let view = try OrderQueries.order(id, withHistory: true, in: db) else { throw OrderError.notFound(id) }
        return view
    }

    static func recordHistory<Session: SQLSession>(
        _ orderID: String, status: OrderStatus, reason: String?, at: Int64, in db: Session
    ) throws {
        try db.run("INSERT INTO order_status_history (order_id, status, at, reason) VALUES (?, ?, ?, ?)") {
            $0.bind(orderID)
            $0.bind(status.rawValue)
            $0.bind(at)
            $0.bind(reason)
        }
    }

    static func status<Session: SQLSession>(of orderID: String, in db: Session) throws -> OrderStatus? {
        try db.firstRow("SELECT status FROM orders WHERE id = ?", bind: { $0.bind(orderID) }, read: { try $0.text(0) })
            .flatMap(OrderStatus.init(rawValue:))
    }

    /// Applies one saga event addressed to the order service.
    public static func apply<Session: SQLSession>(_ event: SagaEvent, in db: Session) throws {
        let id = event.orderID
        switch event.type {
        case .checkoutSuccessful:
            if try move(id, from: .created, to: .processing, reason: "payment captured", in: db) {
                try Outbox.enqueue(SagaEvent(
                    type: .orderProcessing, orderID: id, accountID: event.accountID, amountCents: event.amountCents,
                    trace: event.trace?.child()), in: db)
            } else if try status(of: id, in: db) == .canceled {
                // Cancel won the race: checkout refunds when it sees order_canceled.
                try recordHistory(id, status: .canceled, reason: "payment captured after cancel; refund pending",
                                  at: nowMillis(), in: db)
            }
        case .checkoutFailed:
            if try move(id, from: .created, to: .failed, reason: event.reason ?? "payment failed", in: db) {
                try Outbox.enqueue(SagaEvent(type: .orderFailed, orderID: id, reason: event.reason, trace: event.trace?.child()), in: db)
            }
        case .fulfillSuccessful:
            if try move(id, from: .processing, to: .finished, reason: "fulfilled", in: db) {
                try Outbox.enqueue(SagaEvent(type: .orderFinished, orderID: id, trace: event.trace?.child()), in: db)
            }
        case .fulfillFailed:
            if try move(id, from: .processing, to: .failed, reason: event.reason ?? "fulfillment failed", in: db) {
                try Outbox.enqueue(SagaEvent(type: .orderFailed, orderID: id, reason: event.reason, trace: event.trace?.child()), in: db)
            }
        case .checkoutRefunded:
            if try !move(id, from: .failed, to: .refunded, reason: "payment refunded", in: db),
               try status(of: id, in: db) == .canceled {
                try recordHistory(id, status: .canceled, reason: "payment refunded", at: nowMillis(), in: db)
            }
        case .orderPending, .orderProcessing, .orderFailed, .orderFinished, .orderCanceled:
            break
        }
    }
}
