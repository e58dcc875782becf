import SagaMessaging

/// Reads of fulfillment's tables for the API, written once for SQLite and PostgreSQL
/// (`SQLSession`).
public enum FulfillmentQueries {
    /// The notifications of `orderID` in order, or the latest `limit` of all (newest first).
    public static func notifications<Session: SQLSession>(orderID: String?, limit: Int, in db: Session) throws -> [NotificationView] {
        let read = { (columns: Session.Columns) in
            NotificationView(id: columns.int64(0), orderID: try columns.text(1), kind: try columns.text(2),
                             message: try columns.text(3), atMillis: columns.int64(4))
        }
        if let orderID {
            return try db.allRows(
                "SELECT id, order_id, kind, message, at FROM notifications WHERE order_id = ? ORDER BY id LIMIT ?",
                bind: { $0.bind(orderID); $0.bind(limit) }, read: read)
        }
        return try db.allRows(
            "SELECT id, order_id, kind, message, at FROM notifications ORDER BY id DESC LIMIT ?", bind: { $0.bind(limit) }, read: read)
    }

    /// The fulfillment of `orderID`'s status, if it has one.
    public static func status<Session: SQLSession>(orderID: String, in db: Session) throws -> FulfillmentStatus? {
        try db.firstRow("SELECT status FROM fulfillments WHERE order_id = ?", bind: { $0.bind(orderID) }, read: { try $0.text(0) })
            .flatMap(FulfillmentStatus.init(rawValue:))
    }

    /// The orders whose fulfillment is still pending, longest pending first: the work a run
    /// resumes.
    public static func pending<Session: SQLSession>(in db: Session) throws -> [String] {
        try db.allRows("SELECT order_id FROM fulfillments WHERE status = 'pending' ORDER BY processing_since") { try $0.text(0) }
    }
}
