import Foundation
import GRDB
import Testing

/// checkout.sqlite's own record of money, read straight from the file of a stopped daemon:
/// every charge and refund of an order (`payment_movements`), every deposit, every balance.
/// It lets a test say "no order was charged or refunded twice" directly, instead of only
/// comparing totals that a double charge plus a double refund would leave unchanged.
struct PaymentJournal {
    struct Movement: Equatable {
        var account: String
        var amountCents: Int64
    }

    var charges: [String: [Movement]] = [:]
    var refunds: [String: [Movement]] = [:]
    var depositsCents: Int64 = 0
    var balancesCents: Int64 = 0

    init(stateDirectory: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: stateDirectory + "/data/checkout.sqlite", configuration: configuration)
        try database.read { db in
            for row in try Row.fetchAll(db, sql: "SELECT order_id, kind, account_id, amount_cents FROM payment_movements") {
                let movement = Movement(account: row["account_id"], amountCents: row["amount_cents"])
                switch row["kind"] as String {
                case "charge": charges[row["order_id"], default: []].append(movement)
                default: refunds[row["order_id"], default: []].append(movement)
                }
            }
            depositsCents = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(amount_cents), 0) FROM deposits") ?? 0
            balancesCents = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(balance_cents), 0) FROM accounts") ?? 0
        }
    }

    private static func sum(_ movements: [String: [Movement]]) -> Int64 {
        movements.values.joined().reduce(0) { $0 + $1.amountCents }
    }

    /// Each order's movements against its final status, and the balances against the deposits
    /// less the charges plus the refunds: every disagreement, in words (none when consistent).
    /// `orders`: order id → (status, amount in cents), every order the daemon knows.
    func violations(with orders: [String: (status: String, cents: Int64)]) -> [String] {
        var found: [String] = []
        for (id, moves) in charges where moves.count > 1 { found.append("order \(id) was charged \(moves.count) times") }
        for (id, moves) in refunds where moves.count > 1 { found.append("order \(id) was refunded \(moves.count) times") }
        for id in Set(charges.keys).union(refunds.keys) where orders[id] == nil {
            found.append("money moved for an order the daemon does not know: \(id)")
        }
        for (id, order) in orders {
            let charged = charges[id]?.first
            let refunded = refunds[id]?.first
            if let charged, charged.amountCents != order.cents { found.append("order \(id) charged \(charged.amountCents) for \(order.cents)") }
            if let refunded, refunded != charged { found.append("order \(id) refunded \(refunded) after charge \(String(describing: charged))") }
            switch order.status {
            case "finished" where charged == nil || refunded != nil,
                 "refunded" where charged == nil || refunded == nil:
                found.append("\(order.status) order \(id): charge \(String(describing: charged)), refund \(String(describing: refunded))")
            case "failed" where charged != nil || refunded != nil:
                found.append("failed order \(id) has money movements")
            case "canceled" where (charged == nil) != (refunded == nil):
                found.append("canceled order \(id): charge without refund")
            case "finished", "refunded", "failed", "canceled":
                break
            default:
                found.append("order \(id) is not settled: \(order.status)")
            }
        }
        let expected = depositsCents - Self.sum(charges) + Self.sum(refunds)
        if balancesCents != expected {
            found.append("balances \(balancesCents) ≠ deposits \(depositsCents) − charges \(Self.sum(charges)) + refunds \(Self.sum(refunds))")
        }
        return found
    }

    /// Records each of `violations(with:)` as a test issue.
    func expectConsistent(with orders: [String: (status: String, cents: Int64)],
                          sourceLocation: SourceLocation = #_sourceLocation) {
        for violation in violations(with: orders) { Issue.record(Comment(rawValue: violation), sourceLocation: sourceLocation) }
    }
}
