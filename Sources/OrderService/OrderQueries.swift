import SagaMessaging

/// Reads of the order service's tables, shared by its queries and its transactions; written
/// once for SQLite and PostgreSQL (`SQLSession`).
enum OrderQueries {
    /// Rows are read by column position (a lookup by name lowercases the name every time),
    /// each view query selecting these columns first, in this order.
    private static let viewColumns = "id, status, amount_cents, account_id, created_at, updated_at"

    /// An order and its history, the history's columns after `viewColumns`.
    static let viewWithHistorySQL = """
        SELECT o.id, o.status, o.amount_cents, o.account_id, o.created_at, o.updated_at, h.status, h.at, h.reason
        FROM orders o LEFT JOIN order_status_history h ON h.order_id = o.id WHERE o.id = ? ORDER BY h.seq
        """

    static func order<Session: SQLSession>(_ id: String, withHistory: Bool, in db: Session) throws -> OrderView? {
        guard withHistory else {
            return try db.firstRow("SELECT \(viewColumns) FROM orders WHERE id = ?", bind: { $0.bind(id) }, read: view(of:))
        }
        // One statement for the order and its history: a row per history entry, in order, each
        // repeating the order's columns (one row with NULL entry columns for an order without any).
        var view: OrderView?
        var history: [StatusChange] = []
        try db.eachRow(viewWithHistorySQL, bind: { $0.bind(id) }) { columns in
            if view == nil { view = try Self.view(of: columns) }
            if !columns.isNull(6) {
                history.append(StatusChange(
                    status: OrderStatus(rawValue: try columns.text(6)) ?? .created, atMillis: columns.int64(7),
                    reason: columns.optionalText(8)))
            }
        }
        view?.history = history
        return view
    }

    /// The trace context order `id` was placed in (nil for orders from before it was kept).
    static func trace<Session: SQLSession>(of id: String, in db: Session) throws -> TraceContext? {
        try db.firstRow("SELECT traceparent FROM orders WHERE id = ?", bind: { $0.bind(id) }, read: { $0.optionalText(0) })?
            .flatMap(TraceContext.init(header:))
    }

    static func list<Session: SQLSession>(status: OrderStatus?, limit: Int, after: String?, in db: Session) throws -> [OrderView] {
        var conditions: [String] = []
        if status != nil { conditions.append("status = ?") }
        if after != nil { conditions.append("id > ?") }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        // A failed order is settled unless it was charged (reached processing): the listing
        // says so as a single order's read does, from the history (an index lookup per failed row).
        let sql = """
            SELECT \(viewColumns), (status = 'failed' AND EXISTS (
                SELECT 1 FROM order_status_history h WHERE h.order_id = orders.id AND h.status = 'processing'
              )) AS reached_processing
            FROM orders \(whereClause) ORDER BY id LIMIT ?
            """
        return try db.allRows(sql) { binder in
            if let status { binder.bind(status.rawValue) }
            if let after { binder.bind(after) }
            binder.bind(limit)
        } read: { columns in
            var order = try view(of: columns)
            order.reachedProcessing = columns.int64(6) != 0  // the column after `viewColumns`
            return order
        }
    }

    static func statusCounts<Session: SQLSession>(in db: Session) throws -> [OrderStatus: Int] {
        var counts: [OrderStatus: Int] = [:]
        try db.eachRow("SELECT status, COUNT(*) FROM orders GROUP BY status") { columns in
            if let status = OrderStatus(rawValue: try columns.text(0)) { counts[status] = columns.int(1) }
        }
        return counts
    }

    /// For each in-flight status that has orders, when its longest-waiting order entered it
    /// (milliseconds since the epoch; `updated_at` changes only with the status).
    static func oldestInFlight<Session: SQLSession>(in db: Session) throws -> [OrderStatus: Int64] {
        var oldest: [OrderStatus: Int64] = [:]
        try db.eachRow(
            "SELECT status, MIN(updated_at) FROM orders WHERE status IN ('created', 'processing') GROUP BY status"
        ) { columns in
            if let status = OrderStatus(rawValue: try columns.text(0)) { oldest[status] = columns.int64(1) }
        }
        return oldest
    }

    /// The view of a row whose first columns are `viewColumns`.
    private static func view<Columns: SQLColumns>(of columns: Columns) throws -> OrderView {
        OrderView(
            id: try columns.text(0), status: OrderStatus(rawValue: try columns.text(1)) ?? .created,
            amountCents: columns.int64(2), accountID: try columns.text(3), createdAtMillis: columns.int64(4),
            updatedAtMillis: columns.int64(5), history: nil)
    }
}
