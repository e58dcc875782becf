import Foundation
import GRDB
import Logging
import SagaLog
import Synchronization
import Testing
@testable import SagaMessaging

/// Counts handler calls per order across tasks.
final class CallCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func record(_ key: String) { counts.withLock { $0[key, default: 0] += 1 } }
    func count(_ key: String) -> Int { counts.withLock { $0[key] ?? 0 } }
}

/// Fails the first N calls.
final class FailureBudget: Sendable {
    private let remaining: Mutex<Int>
    init(_ count: Int) { remaining = Mutex(count) }
    func takeFailure() -> Bool { remaining.withLock { count in defer { count -= 1 }; return count > 0 } }
}

/// The group's committed offsets (by partition), as seen by the handler each time it ran for
/// an order.
final class CommitObserver: Sendable {
    private let seen = Mutex<[String: [[Int: Int64]]]>([:])
    func record(_ key: String, committed: [Int: Int64]) { seen.withLock { $0[key, default: []].append(committed) } }
    var observations: [String: [[Int: Int64]]] { seen.withLock { $0 } }
}

/// A consumer over a real log and database whose handler fails on demand.
final class ConsumerFixture: Sendable {
    let directory: String
    let log: SagaLog
    let database: DatabasePool
    let consumer: EventConsumer
    let calls = CallCounter()
    let commits = CommitObserver()

    /// `failFirst` handler calls fail, with `failure` (by default an error of the handler's own).
    init(failFirst: Int = 0, failure: any Error & Sendable = CocoaError(.fileLocking), failAlways: Set<String> = [],
         batchSize: Int = 256, commitInterval: Duration = EventConsumer.commitInterval) throws {
        directory = NSTemporaryDirectory() + "consumer-\(UUID().uuidString)"
        var configuration = LogConfiguration()
        configuration.durability = .never
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        log = try SagaLog.open(directory: directory + "/log", configuration: configuration, logger: logger)
        try log.createTopic("order_pending", partitions: 2)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("effects") { db in try db.execute(sql: "CREATE TABLE effects (order_id TEXT)") }
        Inbox.registerMigration(in: &migrator)
        Inbox.registerTimelineMigration(in: &migrator)
        database = try ServiceDatabase.open(path: directory + "/db.sqlite", migrator: migrator)
        let calls = self.calls
        let failures = FailureBudget(failFirst)
        let commits = self.commits
        let log = self.log
        consumer = EventConsumer(
            service: "test", group: "test", types: [.orderPending], log: log, database: database,
            retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(1), maxDelay: .milliseconds(10)),
            batchSize: batchSize, commitInterval: commitInterval, logger: logger,
            handler: { event, db in
                calls.record(event.orderID)
                let committed = log.groupLag().filter { $0.group == "test" && $0.topic == "order_pending" }
                commits.record(event.orderID, committed: committed.reduce(into: [:]) { $0[$1.partition] = $1.committedOffset })
                if failAlways.contains(event.orderID) { throw CocoaError(.featureUnsupported) }
                if failures.takeFailure() { throw failure }
                try db.execute(sql: "INSERT INTO effects VALUES (?)", arguments: [event.orderID])
            })
    }

    func effects() throws -> [String] {
        try database.read { try String.fetchAll($0, sql: "SELECT order_id FROM effects ORDER BY order_id") }
    }

    func publish(_ orders: [String]) async throws -> [LogRecord] {
        var records: [LogRecord] = []
        for order in orders {
            let position = try await log.append(
                try EventCodec.record(for: SagaEvent(type: .orderPending, orderID: order)), to: "order_pending")
            records += try log.read(topic: position.topic, partition: position.partition, from: position.offset, maxRecords: 1)
        }
        return records
    }

    func close() {
        try? log.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite struct EventConsumerTests {
    @Test func aRedeliveredBatchHasNoSecondEffect() async throws {
        let fixture = try ConsumerFixture()
        defer { fixture.close() }
        let records = try await fixture.publish(["a", "b", "c"])
        #expect(await fixture.consumer.process(records)?.count == 3)
        #expect(await fixture.consumer.process(records)?.isEmpty == true)
        #expect(try fixture.effects() == ["a", "b", "c"])
    }

    @Test func aBatchIsAppliedInOneTransaction() async throws {
        let fixture = try ConsumerFixture()
        defer { fixture.close() }
        let records = try await fixture.publish((0..<20).map { "order-\($0)" })
        let commits = CommitCounter()
        fixture.database.add(transactionObserver: commits, extent: .databaseLifetime)
        #expect(await fixture.consumer.process(records)?.count == 20)
        #expect(try fixture.effects().count == 20)
        #expect(commits.commits == 1, "\(commits.commits) commits for one batch")
    }

    @Test func aTransientFailureIsRetriedAndAppliedOnce() async throws {
        let fixture = try ConsumerFixture(failFirst: 2)
        defer { fixture.close() }
        let records = try await fixture.publish(["a", "b"])
        let applied = await fixture.consumer.process(records) ?? []
        #expect(Set(applied.map(\.orderID)) == ["a", "b"])
        #expect(try fixture.effects() == ["a", "b"])
        #expect(!fixture.log.topicNames.contains("order_pending.dlq"))
    }

    /// A full disk fails every handler the same way: it is waited out (and shown), never a
    /// reason to dead-letter the event, however long it lasts.
    @Test func aStorageFaultIsWaitedOutNotDeadLettered() async throws {
        let fixture = try ConsumerFixture(failFirst: 12, failure: DatabaseError(resultCode: .SQLITE_FULL, message: "disk full"))
        defer { fixture.close() }
        let records = try await fixture.publish(["a"])
        let processing = Task { await fixture.consumer.process(records) }
        var seen: String? = nil
        for _ in 0..<500 where seen == nil {
            seen = fixture.consumer.storageFault
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(seen?.contains("disk full") == true, "the fault is shown while it lasts")
        let applied = await processing.value ?? []
        #expect(applied.map(\.orderID) == ["a"])
        #expect(try fixture.effects() == ["a"])
        #expect(fixture.calls.count("a") == 13)  // the batch, eleven waits, then success
        #expect(!fixture.log.topicNames.contains("order_pending.dlq"))
        #expect(fixture.consumer.storageFault == nil)
    }

    @Test func aPoisonRecordIsDeadLetteredAndTheOthersStillApply() async throws {
        let fixture = try ConsumerFixture(failAlways: ["poison"])
        defer { fixture.close() }
        var records = try await fixture.publish(["a", "poison", "b"])
        let garbage = try await fixture.log.append(ProducerRecord(key: "x", value: Array("not json".utf8)), to: "order_pending")
        records += try fixture.log.read(topic: "order_pending", partition: garbage.partition, from: garbage.offset, maxRecords: 1)
        let applied = await fixture.consumer.process(records) ?? []
        #expect(Set(applied.map(\.orderID)) == ["a", "b"])
        #expect(try fixture.effects() == ["a", "b"])
        #expect(fixture.calls.count("poison") == 1 + 3)  // the batch, then three attempts
        let dead = try fixture.log.read(topic: "order_pending.dlq", partition: 0, from: 0)
        #expect(dead.count == 2)
        #expect(dead.map { $0.header("dlq-original-topic") } == ["order_pending", "order_pending"])
        #expect(Set(dead.compactMap { $0.header("dlq-attempts") }) == ["1", "3"])
        #expect(dead.contains { $0.header(EventCodec.eventIDHeader) != nil && $0.header("dlq-error") != nil })
    }

    @Test func aBatchInterruptedByShutdownIsNeitherDeadLetteredNorApplied() async throws {
        let fixture = try ConsumerFixture(failAlways: ["a"])
        defer { fixture.close() }
        let records = try await fixture.publish(["a"])
        let task = Task { () -> [SagaEvent]? in
            withUnsafeCurrentTask { $0?.cancel() }
            return await fixture.consumer.process(records)
        }
        #expect(await task.value == nil)
        #expect(!fixture.log.topicNames.contains("order_pending.dlq"))
        #expect(try fixture.effects().isEmpty)
    }

    /// With the services' interval, offsets of a burst are committed once the consumer runs
    /// out of records (lag reaches 0 while it keeps running), not left for the next burst.
    @Test func anIdleConsumerCommitsWhatItApplied() async throws {
        let fixture = try ConsumerFixture(batchSize: 4)
        defer { fixture.close() }
        _ = try await fixture.publish((0..<20).map { "order-\($0)" })
        let task = Task { await fixture.consumer.run() }
        defer { task.cancel() }
        let deadline = ContinuousClock.now + .seconds(30)  // a bound for a loaded machine, not a wait
        func committed() -> Int64 { fixture.log.groupLag().filter { $0.group == "test" }.reduce(0) { $0 + ($1.committedOffset ?? 0) } }
        while try fixture.effects().count < 20 || committed() < 20, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try fixture.effects().count == 20)
        #expect(committed() == 20, "the consumer is idle and still has not committed all it applied")
    }

    @Test func theRunLoopCommitsOffsetsOnlyAfterApplying() async throws {
        // Small batches committed after each and a failing stretch: commits happen while later
        // records are still being applied, and a record retried after a failure must not have
        // been committed.
        let fixture = try ConsumerFixture(failFirst: 3, batchSize: 4, commitInterval: .zero)
        defer { fixture.close() }
        let records = try await fixture.publish((0..<40).map { "order-\($0)" })
        let task = Task { await fixture.consumer.run() }
        let deadline = ContinuousClock.now + .seconds(30)  // a bound for a loaded machine, not a wait
        while try fixture.effects().count < 40, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        await task.value
        let applied = try fixture.effects().count
        try #require(applied == 40, "only \(applied) of 40 records applied in 30 s")
        let observations = fixture.commits.observations
        for record in records {
            let event = try EventCodec.event(from: record)
            let seen = observations[event.orderID] ?? []
            #expect(!seen.isEmpty, "the handler never ran for \(event.orderID)")
            for snapshot in seen {
                let committed = snapshot[record.partition] ?? 0
                #expect(committed <= record.offset,
                        "\(event.orderID) at offset \(record.offset) was applied after the group committed \(committed)")
            }
        }
        // The probe is not vacuous: later batches did see the commits of earlier ones.
        #expect(observations.values.contains { $0.contains { $0.values.contains { $0 > 0 } } })
        let lag = fixture.log.groupLag().filter { $0.group == "test" }
        #expect(lag.reduce(0) { $0 + $1.lag } == 0)
    }
}
