import SagaMessaging

/// Checkout's saga steps, applied inside the consumer's transaction: debit on
/// `order_pending`, refund once on `order_failed` / `order_canceled`, and a tombstone when a
/// cancel arrives before the order, so that the payment is then skipped. Every balance change
/// is journaled in `payment_movements` within the same transaction. Written once for SQLite and
/// PostgreSQL (`SQLSession`): the statements keep to what both dialects share.
public enum Payments {
    public static func apply<Session: SQLSession>(_ event: SagaEvent, in db: Session) throws {
        switch event.type {
        case .orderPending: try pay(event, in: db)
        case .orderFailed, .orderCanceled: try refund(event, in: db)
        default: break
        }
    }

    private static func pay<Session: SQLSession>(_ event: SagaEvent, in db: Session) throws {
        let orderID = event.orderID
        // Canceled before payment (never charge), or already paid or refused: one lookup for both.
        let settled = try db.firstRow(
            """
            SELECT EXISTS (SELECT 1 FROM cancel_tombstones WHERE order_id = ?1)
                OR EXISTS (SELECT 1 FROM checkouts WHERE order_id = ?1)
            """, bind: { $0.bind(orderID) }, read: { $0.int64(0) != 0 })
        if settled == true { return }
        let account = event.accountID ?? ""
        let amount = event.amountCents ?? 0
        var reason: String? = nil
        if amount <= 0 {
            reason = "invalid amount"
        } else {
            // The debit first: only when it takes nothing does a read tell why.
            try db.run("UPDATE accounts SET balance_cents = balance_cents - ?1 WHERE id = ?2 AND balance_cents >= ?1") {
                $0.bind(amount)
                $0.bind(account)
            }
            if db.changesCount == 1 {
                try journal(.charge, orderID: orderID, account: account, amount: amount, in: db)
            } else if try db.firstRow("SELECT 1 FROM accounts WHERE id = ?", bind: { $0.bind(account) }, read: { _ in true }) == nil {
                reason = "unknown account \(account)"
            } else {
                reason = "insufficient balance"
            }
        }
        let now = nowMillis()
        try db.run(
            """
            INSERT INTO checkouts (id, order_id, account_id, status, amount_cents, reason, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        ) {
            $0.bind(SortableID.make())
            $0.bind(orderID)
            $0.bind(account)
            $0.bind(reason == nil ? "successful" : "failed")
            $0.bind(amount)
            $0.bind(reason)
            $0.bind(now)
            $0.bind(now)
        }
        try Outbox.enqueue(SagaEvent(
            type: reason == nil ? .checkoutSuccessful : .checkoutFailed, orderID: orderID, accountID: account,
            amountCents: amount, reason: reason, trace: event.trace?.child()), in: db)
    }

    /// Records a balance change in `payment_movements`, in the transaction that made it; the
    /// table's key refuses a second charge or a second refund of one order.
    private static func journal<Session: SQLSession>(
        _ kind: PaymentMovement.Kind, orderID: String, account: String, amount: Int64, in db: Session
    ) throws {
        try db.run("INSERT INTO payment_movements (order_id, kind, account_id, amount_cents, at) VALUES (?, ?, ?, ?, ?)") {
            $0.bind(orderID)
            $0.bind(kind.rawValue)
            $0.bind(account)
            $0.bind(amount)
            $0.bind(nowMillis())
        }
    }

    private static func refund<Session: SQLSession>(_ event: SagaEvent, in db: Session) throws {
        let orderID = event.orderID
        guard let (account, amount, status) = try db.firstRow(
            "SELECT account_id, amount_cents, status FROM checkouts WHERE order_id = ?", bind: { $0.bind(orderID) },
            read: { (try $0.text(0), $0.int64(1), try $0.text(2)) })
        else {
            if event.type == .orderCanceled {
                try db.run("INSERT OR IGNORE INTO cancel_tombstones (order_id, at) VALUES (?, ?)") {
                    $0.bind(orderID)
                    $0.bind(nowMillis())
                }
            }
            return
        }
        guard status == CheckoutStatus.successful.rawValue else { return }
        try db.run("UPDATE checkouts SET status = 'refunded', reason = ?, updated_at = ? WHERE order_id = ? AND status = 'successful'") {
            $0.bind(event.type == .orderCanceled ? "order canceled" : "order failed")
            $0.bind(nowMillis())
            $0.bind(orderID)
        }
        guard db.changesCount == 1 else { return }
        try db.run("UPDATE accounts SET balance_cents = balance_cents + ? WHERE id = ?") {
            $0.bind(amount)
            $0.bind(account)
        }
        try journal(.refund, orderID: orderID, account: account, amount: amount, in: db)
        try Outbox.enqueue(SagaEvent(
            type: .checkoutRefunded, orderID: orderID, accountID: account, amountCents: amount,
            reason: event.type.rawValue, trace: event.trace?.child()), in: db)
    }
}
