import Foundation
import GRDB
import MessageLog
import SagaLog
import Synchronization
import Testing
@testable import SagaMessaging

/// The relay appends what the outbox stored, byte for byte, with the key and headers from its
/// columns; rows stored before the record key existed are still relayed.
@Suite struct OutboxRelayTests {
    @Test func theRelayAppendsTheStoredPayloadAsItIsAndStillRelaysOldRows() async throws {
        let scratch = try ScratchLog("relay", topics: ["order_pending": 1, "order_canceled": 1])
        defer { scratch.close() }
        let database = try ServiceDatabase.open(
            path: scratch.directory + "/relay.sqlite", migrator: ServiceSchema([.messaging]).migrator)
        let relay = OutboxRelay(service: "test", database: database, log: scratch.log, logger: scratch.logger)
        let fresh = SagaEvent(type: .orderPending, orderID: "o1", accountID: "a", amountCents: 5)
        let old = SagaEvent(type: .orderCanceled, orderID: "o2")
        let stored = try await database.write { db -> Data in
            try Outbox.enqueue(fresh, in: db)
            // A row as versions before the record key wrote it: unsorted JSON, no key.
            try db.execute(
                sql: "INSERT INTO outbox (event_id, topic, payload, created_at) VALUES (?, ?, ?, 0)",
                arguments: [old.id, old.type.topic, try JSONEncoder().encode(old)])
            // Bytes no encoder of ours writes (indented): appended as they are, or re-encoded.
            let pretty = JSONEncoder()
            pretty.outputFormatting = .prettyPrinted
            try db.execute(sql: "UPDATE outbox SET payload = ? WHERE event_id = ?", arguments: [try pretty.encode(fresh), fresh.id])
            return try Data.fetchOne(db, sql: "SELECT payload FROM outbox WHERE event_id = ?", arguments: [fresh.id])!
        }
        #expect(try await relay.relayOnce() == 2)
        #expect(try await relay.backlog() == 0)

        let pending = try scratch.log.read(topic: "order_pending", partition: 0, from: 0)
        try #require(pending.count == 1)
        #expect(pending[0].value == Array(stored))
        #expect(pending[0].key == Array("o1".utf8))
        #expect(pending[0].header(EventCodec.eventIDHeader) == fresh.id)
        #expect(pending[0].header(EventCodec.eventTypeHeader) == "order_pending")
        #expect(try EventCodec.event(from: pending[0]) == fresh)

        let canceled = try scratch.log.read(topic: "order_canceled", partition: 0, from: 0)
        try #require(canceled.count == 1)
        #expect(canceled[0].key == Array("o2".utf8))
        #expect(canceled[0].header(EventCodec.eventIDHeader) == old.id)
        #expect(try EventCodec.event(from: canceled[0]) == old)
    }

    /// Rows committed by a writer that never wakes the relay still go within about a second:
    /// the relay's own tick, one timer for its whole run, stands in for the missed wake.
    @Test func rowsCommittedWithoutAWakeAreRelayedOnTheNextTick() async throws {
        let scratch = try ScratchLog("relay-tick", topics: ["order_pending": 1])
        defer { scratch.close() }
        let database = try ServiceDatabase.open(
            path: scratch.directory + "/relay.sqlite", migrator: ServiceSchema([.messaging]).migrator)
        let relay = OutboxRelay(service: "test", database: database, log: scratch.log, logger: scratch.logger)
        let running = Task { await relay.run() }
        defer { running.cancel() }
        for round in 1...3 {
            try await Task.sleep(for: .milliseconds(200))  // the relay is idle, waiting
            try await database.write { db in
                try Outbox.enqueue(SagaEvent(type: .orderPending, orderID: "o\(round)", accountID: "a", amountCents: 5), in: db)
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while try scratch.log.read(topic: "order_pending", partition: 0, from: 0).count < round, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try scratch.log.read(topic: "order_pending", partition: 0, from: 0).count == round, "round \(round)")
        }
        running.cancel()
        await running.value
    }
}

/// A log whose appends fail with a full disk while `full` is set, and go to `log` otherwise.
private final class FillableLog: MessageLog {
    let log: SagaLog
    let full = Mutex(true)

    init(_ log: SagaLog) { self.log = log }

    func ensureTopic(_ name: String, partitions: Int) throws { try log.ensureTopic(name, partitions: partitions) }

    func append(_ records: [ProducerRecord], to topic: String) async throws -> [RecordPosition] {
        if full.withLock({ $0 }) { throw SagaLogError.diskFull(path: "/full/\(topic).log") }
        return try await log.append(records, to: topic)
    }

    func subscribe(group: String, topics: [String]) throws -> any MessageConsumer {
        try log.subscribe(group: group, topics: topics)
    }
}

/// A relay that cannot append because the log's disk is full keeps its rows and says so in
/// `storageFault` while it retries; once the disk has room it relays them and the fault clears.
@Suite struct OutboxRelayFaultTests {
    @Test func aFullLogDiskIsReportedWhileTheRelayRetriesAndClearsOnceRelayed() async throws {
        let scratch = try ScratchLog("relay-full", topics: ["order_pending": 1])
        defer { scratch.close() }
        let database = try ServiceDatabase.open(
            path: scratch.directory + "/relay.sqlite", migrator: ServiceSchema([.messaging]).migrator)
        let log = FillableLog(scratch.log)
        let relay = OutboxRelay(service: "test", database: database, log: log, logger: scratch.logger)
        try await database.write { db in
            try Outbox.enqueue(SagaEvent(type: .orderPending, orderID: "o1", accountID: "a", amountCents: 5), in: db)
        }
        let running = Task { await relay.run() }
        defer { running.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while relay.storageFault == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(relay.storageFault?.contains("disk full while writing /full/order_pending.log") == true)
        #expect(try await relay.backlog() == 1, "the row stays until it is relayed")

        log.full.withLock { $0 = false }
        while relay.storageFault != nil, ContinuousClock.now < deadline + .seconds(10) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(relay.storageFault == nil)
        #expect(try await relay.backlog() == 0)
        #expect(try scratch.log.read(topic: "order_pending", partition: 0, from: 0).count == 1)
    }
}
