import Foundation
import GRDB
import MessageLog
import Testing
@testable import SagaMessaging

/// The inbox row a consumer writes anyway records where and when each event was applied, found
/// by order; databases and records from before (no timeline columns, no trace header) still work.
@Suite struct InboxTimelineTests {
    /// The messaging migrations as the version before timelines had them, and a service table.
    static func oldMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        Outbox.registerMigration(in: &migrator)
        Inbox.registerMigration(in: &migrator)
        Outbox.registerRecordKeyMigration(in: &migrator)
        migrator.registerMigration("create b") { db in try db.execute(sql: "CREATE TABLE b (y)") }
        return migrator
    }

    static func record(_ event: SagaEvent, partition: Int, offset: Int64) throws -> LogRecord {
        let produced = try EventCodec.record(for: event)
        return LogRecord(topic: event.type.topic, partition: partition, offset: offset, timestampMillis: 0,
                         key: produced.key, value: produced.value, headers: produced.headers)
    }

    @Test func anOldDatabaseMigratesKeepsItsRowsAndRecordsTimelines() throws {
        let database = try DatabaseQueue()
        try Self.oldMigrator().migrate(database)
        let old = SagaEvent(type: .orderCanceled, orderID: "o1")
        try database.write { db in
            try db.execute(sql: "INSERT INTO inbox (event_id, topic, processed_at) VALUES ('e-old', 'order_pending', 1)")
            try db.execute(
                sql: "INSERT INTO outbox (event_id, topic, record_key, payload, created_at) VALUES (?, ?, ?, ?, 0)",
                arguments: [old.id, old.type.topic, old.orderID, Data(EventCodec.value(for: old))])
        }
        let schema = ServiceSchema([.messaging, .sql("create b", ["CREATE TABLE b (y)"])])
        try schema.migrator.migrate(database)

        let trace = try #require(TraceContext(header: TraceContextTests.valid)).child()
        let pending = SagaEvent(type: .orderPending, orderID: "o1", accountID: "a", amountCents: 5, occurredAtMillis: 1000, trace: trace)
        let failed = SagaEvent(type: .orderFailed, orderID: "o1", occurredAtMillis: 2000)
        let marked = try database.write { db in
            [
                try Inbox.markProcessed(pending, from: try Self.record(pending, partition: 1, offset: 7), in: db),
                try Inbox.markProcessed(pending, from: try Self.record(pending, partition: 1, offset: 7), in: db),
                try Inbox.markProcessed(failed, from: try Self.record(failed, partition: 0, offset: 3), in: db),
                try Inbox.markProcessed(
                    SagaEvent(type: .orderFailed, orderID: "o2"), from: try Self.record(failed, partition: 0, offset: 4), in: db),
            ]
        }
        #expect(marked == [true, false, true, true], "a redelivery is recognised")
        let handled = try database.read { try Inbox.handledEvents(orderID: "o1", in: $0) }
        #expect(handled.map(\.eventID) == [pending.id, failed.id], "old rows have no order and are not listed")
        #expect(handled.map(\.partition) == [1, 0])
        #expect(handled.map(\.offset) == [7, 3])
        #expect(handled.map(\.occurredAtMillis) == [1000, 2000])
        #expect(handled.map(\.traceparent) == [trace.header, nil])
        #expect(handled.allSatisfy { $0.handledAtMillis > 2000 })
        let usesIndex = try database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT event_id FROM inbox WHERE order_id = ?", arguments: ["o1"])
                .contains { ($0["detail"] as String? ?? "").contains("inbox_order") }
        }
        #expect(usesIndex, "a timeline reads the order's rows by index, not the whole inbox")
        // The outbox row from before traces is still relayed, without a traceparent header.
        let unrelayed = try database.read { try OutboxRelay.pendingRows($0, limit: 10) }
        let relayed = try #require(unrelayed.first).record
        #expect(relayed.headers.map(\.name) == [EventCodec.eventIDHeader, EventCodec.eventTypeHeader])
    }

    @Test func theTraceTravelsInAHeaderNotInTheValue() throws {
        let trace = TraceContext.newTrace()
        let event = SagaEvent(type: .orderPending, orderID: "o1", accountID: "a", amountCents: 5, trace: trace)
        let record = try Self.record(event, partition: 0, offset: 0)
        #expect(record.header(TraceContext.headerName) == trace.header)
        #expect(!String(decoding: record.value, as: UTF8.self).contains(trace.traceID))
        #expect(try EventCodec.event(from: record) == event)
        var untraced = record
        untraced.headers.removeAll { $0.name == TraceContext.headerName }
        #expect(try EventCodec.event(from: untraced).trace == nil)
        untraced.headers.append(RecordHeader(name: TraceContext.headerName, string: "garbage"))
        #expect(try EventCodec.event(from: untraced).trace == nil, "an invalid header is no trace")
    }
}
