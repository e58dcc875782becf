import Metrics
import SagaMessaging

/// The placing of one order, inside the caller's transaction: a repeated idempotency key
/// returns the first order, a full house (`order.max_in_flight`) refuses, and otherwise the
/// order, its first history entry, its key and `order_pending` in the outbox are written
/// together. Written once for SQLite and PostgreSQL (`SQLSession`).
public struct OrderPlacement: Sendable {
    public var id: String
    public var accountID: String
    public var amountCents: Int64
    public var idempotencyKey: String?
    /// What the key was first used for: the same key with another fingerprint is refused.
    public var fingerprint: String
    public var maxInFlight: Int
    public var trace: TraceContext

    public init(id: String, accountID: String, amountCents: Int64, idempotencyKey: String?, fingerprint: String,
                maxInFlight: Int, trace: TraceContext) {
        self.id = id
        self.accountID = accountID
        self.amountCents = amountCents
        self.idempotencyKey = idempotencyKey
        self.fingerprint = fingerprint
        self.maxInFlight = maxInFlight
        self.trace = trace
    }

    /// The placement a request asks for, checked: with no amount a random one in the configured
    /// range, with no account the default one.
    /// - Throws: `OrderError.invalidAmount` or `OrderError.invalidAccount`.
    public init(id: String, requestedCents: Int64?, accountID: String?, idempotencyKey: String?, settings: OrderSettings,
                trace: TraceContext?) throws {
        if let requestedCents, requestedCents <= 0 || requestedCents > Money.maximumCents {
            throw OrderError.invalidAmount("must be between 0.01 and \(Money.format(Money.maximumCents))")
        }
        if let accountID, accountID.isEmpty || accountID.count > 128 {
            throw OrderError.invalidAccount("account id must be 1 to 128 characters")
        }
        let account = accountID ?? settings.defaultAccountID
        self.init(
            id: id, accountID: account, amountCents: requestedCents ?? Int64.random(in: settings.randomAmountCents),
            idempotencyKey: idempotencyKey, fingerprint: "\(requestedCents.map(String.init) ?? "random")|\(account)",
            maxInFlight: settings.maxInFlight, trace: trace ?? TraceContext.newTrace())
    }

    /// Writes the order, or finds the one its key placed first (`replayed`).
    /// - Throws: `OrderError.idempotencyKeyReused`, `OrderError.overloaded`, or the store's error.
    public func insert<Session: SQLSession>(in db: Session) throws -> (order: OrderView, replayed: Bool) {
        if let key = idempotencyKey,
           let (orderID, firstFingerprint) = try db.firstRow(
               "SELECT order_id, fingerprint FROM idempotency_keys WHERE key = ?", bind: { $0.bind(key) },
               read: { (try $0.text(0), try $0.text(1)) }) {
            guard firstFingerprint == fingerprint else { throw OrderError.idempotencyKeyReused(key) }
            guard let first = try OrderQueries.order(orderID, withHistory: false, in: db) else {
                throw OrderError.notFound(orderID)
            }
            return (first, true)
        }
        let inFlight = try db.firstRow("SELECT value FROM order_counts WHERE name = 'in_flight'", read: { $0.int(0) }) ?? 0
        if inFlight >= maxInFlight {
            Counter(label: SagaMetrics.ordersCreated, dimensions: [("outcome", "overloaded")]).increment()
            throw OrderError.overloaded(inFlight: inFlight, limit: maxInFlight)
        }
        let now = nowMillis()
        try db.run(
            """
            INSERT INTO orders (id, account_id, amount_cents, status, created_at, updated_at, traceparent)
            VALUES (?, ?, ?, 'created', ?, ?, ?)
            """
        ) {
            $0.bind(id)
            $0.bind(accountID)
            $0.bind(amountCents)
            $0.bind(now)
            $0.bind(now)
            $0.bind(trace.header)
        }
        try OrderTransitions.recordHistory(id, status: .created, reason: OrderService.placedReason, at: now, in: db)
        if let key = idempotencyKey {
            try db.run("INSERT INTO idempotency_keys (key, order_id, fingerprint, created_at) VALUES (?, ?, ?, ?)") {
                $0.bind(key)
                $0.bind(id)
                $0.bind(fingerprint)
                $0.bind(now)
            }
        }
        try Outbox.enqueue(SagaEvent(
            type: .orderPending, orderID: id, accountID: accountID, amountCents: amountCents, trace: trace.child()), in: db)
        return (OrderView(id: id, status: .created, amountCents: amountCents, accountID: accountID,
                          createdAtMillis: now, updatedAtMillis: now, history: nil), false)
    }
}
