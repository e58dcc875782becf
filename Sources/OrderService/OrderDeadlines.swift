import Logging
import SagaMessaging

/// The payment deadline: an order still `created` `order.payment_timeout` after it was placed
/// is canceled through the cancel step, as a request would cancel it. The deadline is not a
/// column: an order's id starts with the millisecond it was made (`SortableID`), so the orders
/// past it are one range of the `(status, id)` index, and placing an order writes nothing more.
extension OrderService {
    /// Orders canceled per transaction of a sweep; a sweep repeats while batches are full.
    static let deadlineBatch = 256

    /// Runs the host's relay and consumer, and the sweeper, until cancelled.
    public nonisolated func run() async {
        await host.run { await self.sweeper.run { await self.sweepPaymentDeadlines() } }
    }

    /// Cancels every order past its payment deadline, in batches; returns how many it canceled.
    /// A failed sweep is logged and left to the next tick.
    @discardableResult
    public func sweepPaymentDeadlines(now: Int64 = nowMillis()) async -> Int {
        let canceled = await OrderDeadlines.sweep(on: host, timeout: settings.paymentTimeout, now: now, logger: host.logger)
        if !canceled.isEmpty { notifyChanged(Set(canceled)) }
        return canceled.count
    }

    /// Orders past their deadline that no sweep has ended yet: still `created` past the payment
    /// timeout, and still `processing` past `fulfillmentTimeout` (fulfillment ends those; one
    /// overdue here means its sweep or the way back to this service is not working).
    public func overdueOrders(fulfillmentTimeout: Duration?, now: Int64 = nowMillis()) async throws
        -> (payment: Int, fulfillment: Int)
    {
        let paymentTimeout = settings.paymentTimeout
        return try await database.read { db in
            try OrderDeadlines.overdue(paymentTimeout: paymentTimeout, fulfillmentTimeout: fulfillmentTimeout, now: now, in: db)
        }
    }
}

/// The deadline queries of orders.sqlite, each one indexed range (see `OrderDeadlineQueryTests`).
enum OrderDeadlines {
    /// Cancels, on any store, every order past its payment deadline (`timeout` after it was
    /// placed), in batches through the cancel step; returns the ids this call canceled. A failed
    /// sweep is logged and left to the next tick.
    static func sweep<Host: StoreHost>(on host: Host, timeout: Duration?, now: Int64, logger: Logger) async -> [String] {
        guard let timeout else { return [] }
        let bound = SortableID.lowerBound(millis: now - timeout.milliseconds)
        let reason = "payment not taken within \(timeout.deadlineText); canceled"
        do {
            return try await host.endOverdue(
                step: "payment", batch: OrderService.deadlineBatch,
                due: { db, limit in try due(before: bound, limit: limit, in: db) },
                end: { db, id in try OrderTransitions.cancel(id, reason: reason, in: db) })
        } catch {
            logger.error("cannot cancel orders past their payment deadline", metadata: ["error": "\(error)"])
            return []
        }
    }

    static let dueSQL = "SELECT id FROM orders WHERE status = 'created' AND id < ? ORDER BY id LIMIT ?"
    static let countDueSQL = "SELECT COUNT(*) FROM orders WHERE status = 'created' AND id < ?"
    /// In-flight orders only (`max_in_flight` bounds them), as `oldestInFlight` reads them.
    static let countProcessingSQL = "SELECT COUNT(*) FROM orders WHERE status = 'processing' AND updated_at <= ?"

    /// Up to `limit` `created` orders whose id was made before `bound`, oldest first.
    static func due<Session: SQLSession>(before bound: String, limit: Int, in db: Session) throws -> [String] {
        try db.allRows(dueSQL, bind: { $0.bind(bound); $0.bind(limit) }, read: { try $0.text(0) })
    }

    static func countDue<Session: SQLSession>(before bound: String, in db: Session) throws -> Int {
        try db.firstRow(countDueSQL, bind: { $0.bind(bound) }, read: { $0.int(0) }) ?? 0
    }

    static func countProcessing<Session: SQLSession>(since cutoff: Int64, in db: Session) throws -> Int {
        try db.firstRow(countProcessingSQL, bind: { $0.bind(cutoff) }, read: { $0.int(0) }) ?? 0
    }
}
