import GRDB

/// Reads of orders.sqlite, shared by the service's queries and its transactions.
enum OrderQueries {
    static func order(_ id: String, withHistory: Bool, in db: Database) throws -> OrderView? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM orders WHERE id = ?"), arguments: [id]) else { return nil }
        var view = view(of: row)
        if withHistory {
            view.history = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT status, at, reason FROM order_status_history WHERE order_id = ? ORDER BY seq"),
                arguments: [id]
            ).map { StatusChange(status: OrderStatus(rawValue: $0["status"]) ?? .created, atMillis: $0["at"], reason: $0["reason"]) }
        }
        return view
    }

    static func list(status: OrderStatus?, limit: Int, after: String?, in db: Database) throws -> [OrderView] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let status {
            conditions.append("status = ?")
            _ = arguments.append(contentsOf: [status.rawValue])
        }
        if let after {
            conditions.append("id > ?")
            _ = arguments.append(contentsOf: [after])
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        _ = arguments.append(contentsOf: [limit])
        return try Row.fetchAll(db, sql: "SELECT * FROM orders \(whereClause) ORDER BY id LIMIT ?", arguments: arguments)
            .map(view(of:))
    }

    static func statusCounts(in db: Database) throws -> [OrderStatus: Int] {
        var counts: [OrderStatus: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM orders GROUP BY status") {
            if let status = OrderStatus(rawValue: row["status"]) { counts[status] = row["n"] }
        }
        return counts
    }

    private static func view(of row: Row) -> OrderView {
        OrderView(
            id: row["id"], status: OrderStatus(rawValue: row["status"]) ?? .created, amountCents: row["amount_cents"],
            accountID: row["account_id"], createdAtMillis: row["created_at"], updatedAtMillis: row["updated_at"],
            history: nil)
    }
}
