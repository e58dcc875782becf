import CheckoutService
import FulfillmentService
import MessageLog
import OrderService
import SagaAPI
import SagaMessaging

/// The API bodies (SagaAPI) made from the services' and the log's own values: money as
/// decimal strings, times as RFC 3339.
extension Order {
    init(_ order: OrderView) {
        self.init(
            id: order.id, status: order.status.rawValue, amount: Amount(cents: order.amountCents),
            accountID: order.accountID, createdAt: RFC3339.format(millis: order.createdAtMillis),
            updatedAt: RFC3339.format(millis: order.updatedAtMillis),
            settled: order.isSettled,
            history: order.history?.map {
                StatusChange(status: $0.status.rawValue, at: RFC3339.format(millis: $0.atMillis), reason: $0.reason)
            })
    }
}

extension Amount {
    init(cents: Int64) {
        self.init(text: Money.format(cents), cents: cents)
    }

    /// How the daemon reads amounts from request bodies: `Money`'s rules (zero allowed here;
    /// the services refuse a zero order or deposit).
    static let moneyParser = AmountParser { text in try Money.parseCents(text, allowZero: true) }

    /// The cents of an amount decoded with `moneyParser`.
    func requireCents() throws -> Int64 {
        guard let cents else { return try Money.parseCents(text, allowZero: true) }
        return cents
    }
}

extension Account {
    init(_ account: AccountView) {
        self.init(id: account.id, balance: Amount(cents: account.balanceCents))
    }
}

extension SagaAPI.Ledger {
    init(_ accounts: [LedgerEntry]) {
        func sum(_ cents: (LedgerEntry) -> Int64) -> Amount { Amount(cents: accounts.reduce(0) { $0 + cents($1) }) }
        self.init(
            accounts: accounts.map {
                SagaAPI.LedgerAccount(
                    id: $0.id, balance: Amount(cents: $0.balanceCents), deposited: Amount(cents: $0.depositedCents),
                    charged: Amount(cents: $0.chargedCents), refunded: Amount(cents: $0.refundedCents), balanced: $0.isBalanced)
            },
            totals: LedgerTotals(
                balance: sum(\.balanceCents), deposited: sum(\.depositedCents), charged: sum(\.chargedCents),
                refunded: sum(\.refundedCents)),
            balanced: accounts.allSatisfy(\.isBalanced))
    }
}

extension LostRecordRange {
    init(_ lost: LostRecords) {
        self.init(
            topic: lost.topic, partition: lost.partition, group: lost.group, from: lost.from, upTo: lost.upTo,
            foundAt: RFC3339.format(millis: lost.foundAtMillis))
    }
}

extension OrderNotification {
    init(_ notification: NotificationView) {
        self.init(
            id: notification.id, orderID: notification.orderID, kind: notification.kind, message: notification.message,
            at: RFC3339.format(millis: notification.atMillis))
    }
}

extension PartitionInfo {
    init(_ stats: PartitionStatistics) {
        self.init(
            topic: stats.topic, partition: stats.partition, startOffset: stats.startOffset, endOffset: stats.endOffset,
            bytes: stats.bytes, segments: stats.segmentCount)
    }
}

extension GroupLag {
    init(_ row: GroupPartitionLag) {
        self.init(
            group: row.group, topic: row.topic, partition: row.partition, committedOffset: row.committedOffset,
            endOffset: row.endOffset, lag: row.lag, members: row.members)
    }
}

extension SagaAPI.LogRecord {
    init(_ record: StoredRecord, extraHeaders: [String: String] = [:]) {
        self.init(
            topic: record.topic, partition: record.partition, offset: record.offset,
            timestamp: RFC3339.format(millis: record.timestampMillis),
            key: String(decoding: record.key, as: UTF8.self), value: String(decoding: record.value, as: UTF8.self),
            headers: Dictionary(record.headers.map { ($0.name, $0.stringValue) }, uniquingKeysWith: { _, last in last })
                .merging(extraHeaders) { _, extra in extra })
    }
}

extension LogVerification {
    init(_ verification: ScrubReport) {
        self.init(
            segments: verification.segments, records: verification.records, bytes: verification.bytes,
            damaged: verification.damaged.map { range in
                DamagedRange(
                    topic: range.topic, partition: range.partition, segment: range.segment, from: range.fromOffset,
                    to: range.toOffset, position: range.position, bytes: range.bytes, reason: range.reason)
            })
    }
}

extension SkippedRange {
    init(_ skipped: SkippedRecords) {
        self.init(
            group: skipped.group, topic: skipped.topic, partition: skipped.partition, from: skipped.fromOffset,
            to: skipped.toOffset, skippedAt: RFC3339.format(millis: skipped.skippedAtMillis))
    }
}
