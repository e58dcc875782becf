import CheckoutService
import FulfillmentService
import Foundation
import MessageLog
import OrderService
import SagaMessaging

/// The JSON shapes of openapi.yaml: snake_case names, money as decimal strings, RFC 3339 times.
struct OrderJSON: Encodable {
    struct Change: Encodable {
        var status: String
        var at: String
        var reason: String?
    }

    var id: String
    var status: String
    var amount: String
    var account_id: String
    var created_at: String
    var updated_at: String
    var settled: Bool
    var history: [Change]?

    init(_ order: OrderView) {
        id = order.id
        status = order.status.rawValue
        amount = Money.format(order.amountCents)
        account_id = order.accountID
        created_at = RFC3339.format(millis: order.createdAtMillis)
        updated_at = RFC3339.format(millis: order.updatedAtMillis)
        settled = order.history != nil ? order.isSettled : order.status.isTerminal && order.status != .failed
        history = order.history?.map { Change(status: $0.status.rawValue, at: RFC3339.format(millis: $0.atMillis), reason: $0.reason) }
    }
}

struct OrderPageJSON: Encodable {
    var orders: [OrderJSON]
    var next_after: String?
}

struct AccountJSON: Encodable {
    var id: String
    var balance: String

    init(_ account: AccountView) {
        id = account.id
        balance = Money.format(account.balanceCents)
    }
}

struct NotificationJSON: Encodable {
    var id: Int64
    var order_id: String
    var kind: String
    var message: String
    var at: String

    init(_ notification: NotificationView) {
        id = notification.id
        order_id = notification.orderID
        kind = notification.kind
        message = notification.message
        at = RFC3339.format(millis: notification.atMillis)
    }
}

struct PartitionJSON: Encodable {
    var topic: String
    var partition: Int
    var start_offset: Int64
    var end_offset: Int64
    var bytes: Int64
    var segments: Int

    init(_ stats: PartitionStatistics) {
        topic = stats.topic
        partition = stats.partition
        start_offset = stats.startOffset
        end_offset = stats.endOffset
        bytes = stats.bytes
        segments = stats.segmentCount
    }
}

struct GroupLagJSON: Encodable {
    var group: String
    var topic: String
    var partition: Int
    var committed_offset: Int64?
    var end_offset: Int64
    var lag: Int64
    var members: Int

    init(_ row: GroupPartitionLag) {
        group = row.group
        topic = row.topic
        partition = row.partition
        committed_offset = row.committedOffset
        end_offset = row.endOffset
        lag = row.lag
        members = row.members
    }
}

struct RecordJSON: Encodable {
    var topic: String
    var partition: Int
    var offset: Int64
    var timestamp: String
    var key: String
    var value: String
    var headers: [String: String]

    init(_ record: LogRecord, extraHeaders: [String: String] = [:]) {
        topic = record.topic
        partition = record.partition
        offset = record.offset
        timestamp = RFC3339.format(millis: record.timestampMillis)
        key = String(decoding: record.key, as: UTF8.self)
        value = String(decoding: record.value, as: UTF8.self)
        headers = Dictionary(record.headers.map { ($0.name, $0.stringValue) }, uniquingKeysWith: { _, last in last })
            .merging(extraHeaders) { _, extra in extra }
    }
}

struct HealthJSON: Encodable {
    var status: String
    var checks: [String: String]
}

/// RFC 3339 timestamps in UTC with milliseconds, e.g. `2026-11-27T06:31:00.123Z`.
enum RFC3339 {
    static func format(millis: Int64) -> String {
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(millis % 1000))
    }
}
