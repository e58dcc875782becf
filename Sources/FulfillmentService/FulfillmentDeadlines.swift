import Logging
import SagaMessaging

/// The fulfillment deadline: an order still being fulfilled `fulfillment.timeout` after it went
/// processing fails as a failed fulfillment does: the row turns `failed` and `fulfill_failed`
/// goes out, so the order service compensates (`order_failed`) and checkout refunds. The
/// worker, still busy, then finds the row no longer pending and reports nothing.
extension FulfillmentService {
    /// Fulfillments failed per transaction of a sweep; a sweep repeats while batches are full.
    static let deadlineBatch = 256

    /// Fails every pending fulfillment past its deadline, in batches; returns how many.
    /// A failed sweep is logged and left to the next tick.
    @discardableResult
    public func sweepDeadlines(now: Int64 = nowMillis()) async -> Int {
        await FulfillmentDeadlines.sweep(on: host, timeout: timeout, now: now, logger: host.logger)
    }
}

/// The deadline statements of fulfillment's store; `dueSQL` is one range of the
/// `(status, processing_since)` index (see `FulfillmentDeadlineTests`). The same on SQLite and
/// PostgreSQL (`SQLSession`).
enum FulfillmentDeadlines {
    /// Fails, on any store, every pending fulfillment past its deadline (`timeout` after its
    /// order went processing), in batches; returns how many this call failed. A failed sweep is
    /// logged and left to the next tick.
    static func sweep<Host: StoreHost>(on host: Host, timeout: Duration?, now: Int64, logger: Logger) async -> Int {
        guard let timeout else { return 0 }
        let cutoff = now - timeout.milliseconds
        let reason = "fulfillment timed out after \(timeout.deadlineText)"
        do {
            return try await host.endOverdue(
                step: "fulfillment", batch: FulfillmentService.deadlineBatch,
                due: { db, limit in try due(since: cutoff, limit: limit, in: db) },
                end: { db, id in try FulfillmentOutcome.record(id, failedBecause: reason, at: now, in: db) }
            ).count
        } catch {
            logger.error("cannot fail fulfillments past their deadline", metadata: ["error": "\(error)"])
            return 0
        }
    }

    static let dueSQL = """
        SELECT order_id FROM fulfillments WHERE status = 'pending' AND processing_since <= ?
        ORDER BY processing_since LIMIT ?
        """

    /// Up to `limit` pending fulfillments whose order went processing at or before `cutoff`.
    static func due<Session: SQLSession>(since cutoff: Int64, limit: Int, in db: Session) throws -> [String] {
        try db.allRows(dueSQL, bind: { $0.bind(cutoff); $0.bind(limit) }, read: { try $0.text(0) })
    }
}

/// How a fulfillment ends, by its worker or by its deadline: one conditional update of a row
/// still `pending`, and its event (with the order's trace) in the same transaction.
public enum FulfillmentOutcome {
    /// Marks the fulfillment of `orderID` successful (`failedBecause` nil) or failed, and sends
    /// `fulfill_successful` or `fulfill_failed`; false, with nothing sent, when it was no longer
    /// pending (the other of worker and deadline came first).
    public static func record<Session: SQLSession>(
        _ orderID: String, failedBecause reason: String?, at now: Int64, in db: Session
    ) throws -> Bool {
        // RETURNING hands back the order's trace context in the same statement.
        guard let traceparent = try db.firstRow(
            """
            UPDATE fulfillments SET status = ?, reason = ?, updated_at = ? WHERE order_id = ? AND status = 'pending'
            RETURNING traceparent
            """,
            bind: {
                $0.bind(reason == nil ? "successful" : "failed")
                $0.bind(reason)
                $0.bind(now)
                $0.bind(orderID)
            },
            read: { $0.optionalText(0) })
        else { return false }
        let trace = traceparent.flatMap(TraceContext.init(header:))
        try Outbox.enqueue(SagaEvent(
            type: reason == nil ? .fulfillSuccessful : .fulfillFailed, orderID: orderID, reason: reason,
            trace: trace?.child()), in: db)
        return true
    }
}
